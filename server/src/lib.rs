//! The cojudge server crate as a library, so integration tests drive the same code as the binary.

pub mod cli;
pub mod commands;
pub mod database;
pub mod demo;
pub mod export;
pub mod ingest;
pub mod judge;
pub mod observability;
pub mod operations;
pub mod postgres;
pub mod rest;
pub mod seed;
pub mod telemetry;
pub mod tls;
pub mod web;
