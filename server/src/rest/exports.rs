//! `/api/v1/exports`: start an export job, follow it, download its files. Trainer and admin
//! tokens only. The job runs in a background runner; the request only records it.

use super::auth::ApiCaller;
use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery};
use crate::export::download::{file_response, ExportFiles, Unavailable};
use app::db::exports::{self, Requester};
use app::domain::{Capability, ExportSpec, TaskName};
use app::services::AppState;
use app::views::exports::{spec_problems, ExportRecord};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;

/// Starts an export job. The body is an export spec: `task`, `shape` (`verdicts`, `sft`,
/// `preference`, `listwise`, `judge-sft`), `format` (`jsonl`, `csv`, `parquet`), optional
/// `filters` (`since`, `until`, `provenance`, `min_judge_confidence`, `generator_version`,
/// `batch`, `rubric_version`), `validation_fraction`, `max_pairs_per_context` and, for
/// judge-sft, `rebalance` (`target_minority_share`, `augment_minority`,
/// `downsample_majority`, `half_life_days`, `seed`). Answers 202 with the export's record;
/// poll `GET /api/v1/exports/{id}` until `state` is `done`.
#[utoipa::path(
    post,
    path = "/api/v1/exports",
    tag = "exports",
    request_body(
        content = ExportSpec,
        description = "The export spec. Besides the schema: `max_pairs_per_context` applies to the `preference` shape only; `rebalance` to `judge-sft` only, with augmentation, downsampling or both, and `filters.since` when augmenting; `judge-sft` cannot take `provenance` `judge`; `until` must be after `since`.",
        example = json!({"task": "interest", "shape": "verdicts", "format": "jsonl"})
    ),
    responses(
        (status = 202, description = "The export is queued", body = ExportRecord),
        (status = 400, description = "The body is not a valid spec (`invalid_spec`; each problem names its field)", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = super::error::ErrorBody),
        (status = 403, description = "The token's role may not export", body = super::error::ErrorBody),
        (status = 404, description = "No such task", body = super::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn start_export(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ExportRecord>), ApiError> {
    caller.require(Capability::ManageData)?;
    let spec: ExportSpec = serde_json::from_slice(&body).map_err(|error| {
        ApiError::bad_request(
            "invalid_spec",
            format!("The body is not an export spec: {error}"),
        )
    })?;
    spec_problems(&spec)
        .map_err(|error| ApiError::bad_request("invalid_spec", error.to_string()))?;
    let created = exports::create(&state.pool, &spec, Requester::Token(caller.token_id))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::not_found("not_found", format!("Task `{}` was not found.", spec.task))
        })?;
    let record = exports::get(&state.pool, created.id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal("a new export vanished"))?;
    Ok((StatusCode::ACCEPTED, Json(record)))
}

/// The query of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this task's exports (400 for a name no task can have).
    #[param(pattern = r"^[a-z][a-z0-9_-]{0,62}$")]
    pub task: Option<String>,
    /// At most this many, newest first (default 50, at most 500).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Recent exports, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/exports",
    tag = "exports",
    params(ListParams),
    responses(
        (status = 200, description = "Exports, newest first", body = Vec<ExportRecord>),
        (status = 400, description = "`task` is not a task name, `limit` is out of range, or a parameter is malformed (`invalid_parameter`)", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = super::error::ErrorBody),
        (status = 403, description = "The token's role may not export", body = super::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list_exports(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Vec<ExportRecord>>, ApiError> {
    caller.require(Capability::ManageData)?;
    if let Some(task) = &params.task {
        TaskName::parse(task)
            .map_err(|error| ApiError::bad_request("invalid_parameter", error.to_string()))?;
    }
    let limit = params.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            "limit must be between 1 and 500",
        ));
    }
    exports::list(&state.pool, params.task.as_deref(), limit)
        .await
        .map(Json)
        .map_err(ApiError::internal)
}

async fn record(state: &AppState, id: i64) -> Result<ExportRecord, ApiError> {
    exports::get(&state.pool, id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("not_found", format!("Export {id} was not found.")))
}

/// An export's state, progress and, once done, its manifest (files with rows and sha256).
#[utoipa::path(
    get,
    path = "/api/v1/exports/{id}",
    tag = "exports",
    params(("id" = i64, Path, description = "The export's id", example = 1)),
    responses(
        (status = 200, description = "The export", body = ExportRecord),
        (status = 400, description = "The id is not a 64-bit integer, or a parameter holds a NUL character (`invalid_parameter`)", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = super::error::ErrorBody),
        (status = 403, description = "The token's role may not export", body = super::error::ErrorBody),
        (status = 404, description = "No such export", body = super::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_export(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ExportRecord>, ApiError> {
    caller.require(Capability::ManageData)?;
    record(&state, id).await.map(Json)
}

/// Downloads one file of a finished export (streamed; `X-Checksum-Sha256` carries its hash).
#[utoipa::path(
    get,
    path = "/api/v1/exports/{id}/files/{name}",
    tag = "exports",
    params(
        ("id" = i64, Path, description = "The export's id", example = 1),
        ("name" = String, Path, description = "A file name from the manifest", example = "interest-verdicts.jsonl", pattern = r"^[^\x00]*$"),
    ),
    responses(
        (status = 200, description = "The file, in the export's format",
            content(
                (String = "application/x-ndjson"),
                (String = "text/csv"),
                ("application/vnd.apache.parquet"),
            ),
            headers(
                ("X-Checksum-Sha256" = String, description = "The file's sha256, as in the manifest"),
                ("Content-Disposition" = String, description = "`attachment` with the file's name"),
            ),
        ),
        (status = 400, description = "The id is not a 64-bit integer, or a parameter holds a NUL character (`invalid_parameter`)", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = super::error::ErrorBody),
        (status = 403, description = "The token's role may not export", body = super::error::ErrorBody),
        (status = 404, description = "No such export or file", body = super::error::ErrorBody),
        (status = 409, description = "The export is not finished", body = super::error::ErrorBody),
        (status = 410, description = "The export's files were deleted after the retention period (`files_deleted`)", body = super::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn download_file(
    State(state): State<AppState>,
    Extension(files): Extension<ExportFiles>,
    caller: ApiCaller,
    ApiPath((id, name)): ApiPath<(i64, String)>,
) -> Result<Response, ApiError> {
    caller.require(Capability::ManageData)?;
    let record = record(&state, id).await?;
    file_response(&state.pool, &files, &record, &name)
        .await
        .map_err(|why| unavailable(id, &name, why))
}

/// The REST error for a file that cannot be served.
pub fn unavailable(id: i64, name: &str, why: Unavailable) -> ApiError {
    match why {
        Unavailable::NotReady(message) => ApiError::new(StatusCode::CONFLICT, "not_ready", message),
        Unavailable::NoSuchFile => ApiError::not_found(
            "not_found",
            format!("Export {id} has no file named `{name}`."),
        ),
        Unavailable::Missing => ApiError::not_found(
            "file_missing",
            format!("The file `{name}` of export {id} is not in this server's export directory."),
        ),
        Unavailable::Deleted(at) => ApiError::new(
            StatusCode::GONE,
            "files_deleted",
            format!(
                "The files of export {id} were deleted on {} after the retention period (COJUDGE_EXPORT_RETENTION_DAYS); export again.",
                at.format("%Y-%m-%d")
            ),
        ),
        Unavailable::Database(error) => ApiError::internal(error),
    }
}
