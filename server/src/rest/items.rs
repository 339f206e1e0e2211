//! `POST /api/v1/items?task=NAME`: the import pipeline over HTTP. The body (NDJSON, or CSV with
//! `Content-Type: text/csv`; optionally gzip or zstd) is streamed, never buffered whole, and
//! limited in size before (413 `body_too_large`) and after decompression (413
//! `decompressed_too_large`), and in the length of a line (422 `line_too_long`).

use super::auth::ApiCaller;
use super::error::ApiError;
use super::extract::ApiQuery;
use crate::ingest::source::{InputLimits, LimitExceeded};
use crate::ingest::{self, Format, ImportOptions, ImportReport, InvalidLinePolicy, Source};
use app::db::audit::Actor;
use app::domain::Capability;
use app::services::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::{Extension, Json};
use futures_util::TryStreamExt;
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio_util::io::{StreamReader, SyncIoBridge};

/// Limits of the REST import.
#[derive(Debug, Clone, Copy)]
pub struct ImportLimits {
    /// Largest request body accepted, in bytes (before decompression).
    pub max_body_bytes: u64,
    /// What the body may hold once decompressed: all of it, and one line.
    pub input: InputLimits,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The task the items belong to.
    #[param(example = "interest", pattern = r"^[a-z][a-z0-9_-]{0,62}$")]
    pub task: String,
    /// Batch name for items whose line names none.
    #[param(pattern = r"^[^\x00]*$")]
    pub batch: Option<String>,
    /// Import the valid lines and report the invalid ones, instead of importing nothing.
    #[serde(default)]
    pub skip_invalid: bool,
    /// Overwrite items whose content changed, as long as no human has worked on them.
    #[serde(default)]
    pub replace: bool,
}

/// One item of the built-in `interest` task, as a line of the body.
const EXAMPLE_LINE: &str = r#"{"external_id": "example-1", "context": {"user": {"age_band": "25-34", "gender": "female", "city_tier": 2}, "history": [{"date": "2025-06-01", "events": [{"action": "buy", "item": "tennis racket"}, {"action": "search", "query": "tennis shoes for clay court"}]}]}, "output": {"interests": [{"interest": "tennis", "reason": "bought a tennis racket and searched for tennis shoes on Jun 1"}]}}
"#;

/// Imports items into a task. Same semantics as `cojudge import`: all or nothing unless
/// `skip_invalid`; identical items are `unchanged`; changed ones are conflicts unless `replace`.
#[utoipa::path(
    post,
    path = "/api/v1/items",
    tag = "items",
    params(ImportParams),
    request_body(
        description = "One JSON object per line (see the item format in the README); or CSV with `Content-Type: text/csv`. May be gzip- or zstd-compressed (`Content-Encoding`). An empty body imports nothing.",
        content(
            (String = "application/x-ndjson", example = json!(EXAMPLE_LINE)),
            (String = "text/csv"),
        )
    ),
    responses(
        (status = 200, description = "Imported (the report counts inserted, unchanged, conflicting and skipped lines)", body = ImportReport),
        (status = 400, description = "A query parameter is missing, malformed or holds a NUL character (`invalid_parameter`), or the body cannot be read (`unreadable_body`)", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = super::error::ErrorBody),
        (status = 403, description = "The token's role may not import", body = super::error::ErrorBody),
        (status = 404, description = "No such task", body = super::error::ErrorBody),
        (status = 413, description = "Body larger than the server's limit, before (`body_too_large`) or after decompression (`decompressed_too_large`)", body = super::error::ErrorBody),
        (status = 415, description = "Unsupported content encoding", body = super::error::ErrorBody),
        (status = 422, description = "Invalid lines (`invalid_lines`), or a line longer than the server's limit (`line_too_long`); nothing was imported. `details` lists them", body = super::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn import_items(
    State(state): State<AppState>,
    Extension(limits): Extension<ImportLimits>,
    caller: ApiCaller,
    ApiQuery(params): ApiQuery<ImportParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ImportReport>, ApiError> {
    caller.require(Capability::ManageData)?;
    check_encoding(&headers)?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_body_bytes) {
        return Err(too_large(limits));
    }
    let format = match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(content_type) if content_type.starts_with("text/csv") => Format::Csv,
        _ => Format::Jsonl,
    };
    let received = Arc::new(AtomicU64::new(0));
    let limit = limits.max_body_bytes;
    let counted = received.clone();
    let stream = body
        .into_data_stream()
        .map_err(std::io::Error::other)
        .and_then(move |chunk| {
            let total =
                counted.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
            let result = if total > limit {
                Err(std::io::Error::other(BodyTooLarge))
            } else {
                Ok(chunk)
            };
            std::future::ready(result)
        });
    let reader = SyncIoBridge::new(StreamReader::new(stream));
    let source = tokio::task::spawn_blocking(move || {
        Source::from_reader(
            "body",
            format,
            reader,
            declared,
            Arc::default(),
            limits.input,
        )
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|error| read_error(error, limits))?;

    let mut options = ImportOptions::new(&params.task, Actor::Token(caller.token_id));
    options.default_batch = params.batch;
    options.replace = params.replace;
    if params.skip_invalid {
        options.invalid_lines = InvalidLinePolicy::Skip {
            rejects: None,
            errors: None,
        };
    }
    let report = ingest::import(&state.pool, vec![source], options)
        .await
        .map_err(|error| match error {
            ingest::pipeline::ImportError::UnknownTask(task) => ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_task",
                format!("There is no task called `{task}`."),
            ),
            ingest::pipeline::ImportError::Read { error, .. } => read_error(error, limits),
            other => ApiError::internal(other),
        })?;
    tracing::info!(token = %caller.name, task = %report.task, inserted = report.inserted, "items imported over REST");
    if !report.committed {
        let details = report
            .errors
            .iter()
            .map(|e| serde_json::json!({ "line": e.line, "field": e.field, "message": e.message }))
            .collect();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_lines",
            format!(
                "{} of {} lines are invalid; nothing was imported.",
                report.invalid, report.lines
            ),
        )
        .with_details(details));
    }
    Ok(Json(report))
}

/// The body went over the size limit while streaming.
#[derive(Debug, thiserror::Error)]
#[error("request body too large")]
struct BodyTooLarge;

fn too_large(limits: ImportLimits) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!(
            "The body is larger than this server's limit of {} MB: split it into chunks, or use `cojudge import`.",
            limits.max_body_bytes / 1_000_000
        ),
    )
}

fn read_error(error: std::io::Error, limits: ImportLimits) -> ApiError {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<BodyTooLarge>())
    {
        return too_large(limits);
    }
    match LimitExceeded::of(&error) {
        Some(LimitExceeded::Total { limit }) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "decompressed_too_large",
                format!(
                    "The body holds more than this server's limit of {} MB once decompressed: split it into chunks, or use `cojudge import`; nothing was imported.",
                    limit / 1_000_000
                ),
            )
        }
        Some(&LimitExceeded::Line { line, limit }) => {
            let message = format!("is longer than this server's limit of {limit} bytes");
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "line_too_long",
                format!("Line {line} {message}; nothing was imported."),
            )
            .with_details(vec![
                serde_json::json!({ "line": line, "field": "", "message": message }),
            ]);
        }
        None => {}
    }
    ApiError::bad_request(
        "unreadable_body",
        format!("The body could not be read: {error}"),
    )
}

fn check_encoding(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) {
        None | Some("gzip") | Some("zstd") | Some("identity") => Ok(()),
        Some(other) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_encoding",
            format!("Content-Encoding `{other}` is not supported: send gzip, zstd or an uncompressed body."),
        )),
    }
}
