//! Trainer exports (issue 7): final verdicts as datasets in the shapes training code reads —
//! `verdicts`, `sft`, `preference`, `listwise`, `judge-sft` — as JSON Lines, CSV or Parquet,
//! streamed from one consistent database snapshot, with a manifest that makes every export
//! reproducible byte for byte.
//!
//! - `app::db::export_source`: the SQL that selects and streams verdict rows (filters, `as_of`);
//! - `shapes/`: one file per shape, turning verdict rows into rows of its columns;
//! - `rebalance`, `split`: judge-sft's rebalancing and the train/validation split;
//! - `columns`, `json_lines`, `csv_file`, `parquet_file`, `files`: the format-independent row
//!   and the three writers, into hashed files renamed into place when complete;
//! - `manifest`, `run`: one export end to end; `jobs`: exports requested over HTTP, run by
//!   any web or worker process that claims them; `retention`: their files deleted after
//!   `COJUDGE_EXPORT_RETENTION_DAYS`; `download`: their files served, leased against that.

pub mod columns;
pub mod csv_file;
pub mod download;
pub mod files;
pub mod jobs;
pub mod json_lines;
pub mod manifest;
pub mod parquet_file;
pub mod prompt;
pub mod rebalance;
pub mod retention;
pub mod run;
pub mod shapes;
pub mod split;

pub use manifest::Manifest;
pub use run::{run, ExportRequest, Progress};

/// Writes rows of one file in one format.
pub trait RowWriter: Send {
    fn write(&mut self, row: &[columns::Cell<'_>]) -> anyhow::Result<()>;
    /// Completes the file (footer, flush) and hands back the file.
    fn finish(self: Box<Self>) -> anyhow::Result<files::HashingFile>;
}

/// A process's export runner: runs export jobs in `root` and deletes their files `retention`
/// after they finished (never, for `None`), until `stop` is cancelled.
pub async fn run_runner(
    pool: sqlx::PgPool,
    root: std::path::PathBuf,
    retention: Option<std::time::Duration>,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let (ran, ()) = tokio::join!(
        jobs::run_jobs(pool.clone(), root.clone(), stop.clone().cancelled_owned()),
        retention::run(pool, root, retention, stop.cancelled_owned()),
    );
    ran
}
