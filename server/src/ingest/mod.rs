//! Bulk import of generated artifacts (JSON Lines or CSV, plain, gzip or zstd), shared by
//! `cojudge import` and `POST /api/v1/items`.
//!
//! The pipeline streams: a blocking reader thread parses and validates each line against the
//! task (record → rules → staged row) and hands batches of COPY-encoded rows to the async writer
//! (`app::db::import_writer`).
//! A batch of new items is copied straight into `items` (under a savepoint); a batch where
//! some items exist already, or that carries offline judgments, is copied into a temporary table
//! and merged into `items` (and `judgments`, `routing_decisions` and `verdicts`). Each line is
//! parsed once and each value serialised once, for both its content hash and its COPY text.
//! Memory stays constant whatever the input size.
//!
//! One import is one transaction: by default any invalid line rolls back everything (the report
//! lists where and why); with `skip_invalid` bad lines are set aside and the rest is committed.
//! Imports of the same task are serialised by a transaction-level advisory lock, so overlapping
//! imports neither duplicate items nor deadlock. An identical item already present is
//! `unchanged`; the same external id with other content is a `conflict`, never overwritten
//! unless `replace` is set and no human has touched the item.

pub mod content;
mod lines;
mod nul;
pub mod pipeline;
#[cfg(test)]
mod properties;
pub mod record;
pub mod report;
pub mod rules;
pub mod source;
pub mod staged;

pub use pipeline::{import, ImportOptions, InvalidLinePolicy};
pub use report::{ImportReport, LineError};
pub use source::{Format, Source};
