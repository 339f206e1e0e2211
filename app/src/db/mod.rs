//! The data layer: every SQL statement of cojudge (the app and the server crate), in small
//! functions that take a pool, connection or transaction and return domain, view or row types.
//! `scripts/check-layers` fails on SQL anywhere else.
//!
//! Statements written with the `sqlx::query!` macros are checked at compile time against
//! `.sqlx/`; the others are prepared at run time and checked by the integration tests: the
//! review queue's (composed from CTE fragments), the import's (temporary tables and COPY), the
//! export's (its filters vary), and static ones not yet moved to the macros.

pub mod admin;
pub mod agreement;
pub mod annotators;
pub mod audit;
pub mod evaluations;
pub mod export_downloads;
pub mod export_source;
pub mod exports;
pub mod import_writer;
pub mod items;
pub mod judge_queue;
pub mod login_throttle;
pub mod my_work;
pub mod operations;
pub mod probes;
pub mod rerun;
pub mod review;
pub mod review_card;
pub mod review_submit;
pub mod review_undo;
pub mod sampler;
pub mod sessions;
pub mod task_settings;
pub mod tasks;
pub mod tokens;
pub mod users;
