//! Serving an export's file: streamed from the export directory (never read into memory), with
//! its type, size, a download name and its sha256 from the manifest. Only names the manifest
//! lists are served, so a request can never reach another path. While it streams, the download
//! holds a lease on its export (renewed every [`RENEW_EVERY`]), so the retention cleanup
//! (`super::retention`) leaves its files alone.

use super::jobs::export_dir;
use app::db::export_downloads;
use app::views::exports::ExportRecord;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sqlx::PgPool;
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::io::ReaderStream;
use tokio_util::sync::CancellationToken;

/// A download's lease on its export, and how often a streaming download renews it.
const LEASE: Duration = Duration::from_secs(180);
const RENEW_EVERY: Duration = Duration::from_secs(60);

/// Where export jobs keep their files (an axum extension).
#[derive(Debug, Clone)]
pub struct ExportFiles {
    pub dir: PathBuf,
}

/// Why a file cannot be served.
#[derive(Debug)]
pub enum Unavailable {
    /// The export is not finished, or was run by the CLI (its files are where the CLI wrote them).
    NotReady(String),
    NoSuchFile,
    /// The manifest lists it but the directory does not hold it (a host without the shared
    /// volume, or files removed).
    Missing,
    /// The files were deleted at this time, after the retention period.
    Deleted(DateTime<Utc>),
    /// The database could not register the download.
    Database(sqlx::Error),
}

/// The file `name` of `record` as a streamed response, leased against the retention cleanup
/// until the stream ends or is dropped.
pub async fn file_response(
    pool: &PgPool,
    files: &ExportFiles,
    record: &ExportRecord,
    name: &str,
) -> Result<Response, Unavailable> {
    if let Some(deleted_at) = record.files_deleted_at {
        return Err(Unavailable::Deleted(deleted_at));
    }
    if record.origin == "cli" {
        return Err(Unavailable::NotReady(
            "this export was run by the command line; its files are where it wrote them".into(),
        ));
    }
    if record.state != "done" {
        return Err(Unavailable::NotReady(format!(
            "export {} is {}",
            record.id, record.state
        )));
    }
    let entry = record
        .files
        .iter()
        .find(|file| file.name == name)
        .ok_or(Unavailable::NoSuchFile)?;
    let download = export_downloads::begin(pool, record.id, LEASE)
        .await
        .map_err(Unavailable::Database)?
        .ok_or(Unavailable::Deleted(Utc::now()))?;
    let lease = keep_lease(pool.clone(), download);
    let path = export_dir(&files.dir, record.id).join(&entry.name);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| Unavailable::Missing)?;
    let format = record.spec.format;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        ),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&format!("attachment; filename=\"{}\"", entry.name))
                .expect("export file names are plain ASCII"),
        ),
        (header::CONTENT_LENGTH, HeaderValue::from(entry.bytes)),
        (
            header::HeaderName::from_static("x-checksum-sha256"),
            HeaderValue::from_str(&entry.sha256).expect("hex is a valid header value"),
        ),
    ];
    // The lease guard lives as long as the stream: dropped when the body ends or is dropped.
    let stream = ReaderStream::new(file).map(move |chunk| {
        let _held = &lease;
        chunk
    });
    Ok((StatusCode::OK, headers, Body::from_stream(stream)).into_response())
}

/// Renews download `id`'s lease until the returned guard is dropped, then ends the download.
fn keep_lease(pool: PgPool, id: i64) -> tokio_util::sync::DropGuard {
    let done = CancellationToken::new();
    let guard = done.clone().drop_guard();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = done.cancelled() => break,
                _ = tokio::time::sleep(RENEW_EVERY) => {
                    if let Err(error) = export_downloads::renew(&pool, id, LEASE).await {
                        tracing::warn!(download = id, %error, "could not renew a download's lease");
                    }
                }
            }
        }
        if let Err(error) = export_downloads::finish(&pool, id).await {
            tracing::warn!(download = id, %error, "could not end a download's lease (it lapses)");
        }
    });
    guard
}
