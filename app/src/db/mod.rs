//! The data layer: every SQL statement of cojudge (the app and the server crate), in small
//! functions that take a pool, connection or transaction and return domain, view or row types.
//! `scripts/check-layers` fails on SQL anywhere else.
//!
//! Static statements use the `sqlx::query!` macros, checked at compile time against `.sqlx/`.
//! The others are prepared at run time, each with a comment saying why, and read their rows
//! through `FromRow` types; the integration tests run every one of them: the review queue's
//! (composed from CTE fragments), the export's (its joins and columns vary with the shape), the
//! import's and the re-judge's (temporary tables, COPY) and `CREATE DATABASE` (an identifier).
//! `scripts/check-layers` prints how many of each there are.

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
pub mod judgments;
pub mod login_throttle;
pub mod my_work;
pub mod operations;
pub mod probes;
pub mod queue;
pub mod rerun;
pub mod review_card;
pub mod review_submit;
pub mod review_undo;
pub mod sampler;
pub mod sessions;
pub mod task_settings;
pub mod tasks;
pub mod tokens;
pub mod users;
