//! Integration tests against a real Postgres: one throwaway cluster per test run, one fresh
//! database per test. A single test binary (modules below) keeps linking time down.

mod accounts;
mod authorization;
mod bad_requests;
mod cli;
mod csrf;
mod db_restart;
mod demo;
mod export;
mod export_support;
mod harness;
mod import;
mod judge_crash;
mod judge_eval;
mod judge_faults;
mod judge_rerun;
mod judge_support;
mod judge_worker;
mod judged_import;
mod launcher;
mod logs;
mod metrics;
mod migrations;
mod observability;
mod operations;
mod pages;
mod rest_import;
mod review_http;
mod review_queue;
mod review_support;
mod review_undo;
mod task_files;
mod task_settings;
mod tokens;
