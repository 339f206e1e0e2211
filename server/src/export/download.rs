//! Serving an export's file: streamed from the export directory (never read into memory), with
//! its type, size, a download name and its sha256 from the manifest. Only names the manifest
//! lists are served, so a request can never reach another path.

use super::jobs::export_dir;
use app::views::exports::ExportRecord;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use tokio_util::io::ReaderStream;

/// Where export jobs keep their files (an axum extension).
#[derive(Debug, Clone)]
pub struct ExportFiles {
    pub dir: PathBuf,
}

/// Why a file cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// The export is not finished, or was run by the CLI (its files are where the CLI wrote them).
    NotReady(String),
    NoSuchFile,
    /// The manifest lists it but the directory does not hold it (a host without the shared
    /// volume, or files removed).
    Missing,
}

/// The file `name` of `record` as a streamed response.
pub async fn file_response(
    files: &ExportFiles,
    record: &ExportRecord,
    name: &str,
) -> Result<Response, Unavailable> {
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
    Ok((
        StatusCode::OK,
        headers,
        Body::from_stream(ReaderStream::new(file)),
    )
        .into_response())
}
