//! Dataset exports for trainers: the records the Export page and `GET /api/v1/exports/{id}`
//! show, and the server functions that start and list exports. The export itself runs in a
//! background runner (server crate), never in the request.

use crate::domain::ExportSpec;
use crate::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// One file of a finished export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExportFile {
    pub name: String,
    /// `all`, `train` or `validation`.
    pub split: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

/// An export and how far it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExportRecord {
    pub id: i64,
    pub task: String,
    pub spec: ExportSpec,
    /// `cli`, `api` or `web`.
    pub origin: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub requested_by: Option<String>,
    /// Verdicts given up to this time are exported.
    pub as_of: DateTime<Utc>,
    pub rows_expected: Option<i64>,
    pub rows_written: i64,
    /// The files, once done.
    pub files: Vec<ExportFile>,
    /// The whole manifest, once done.
    pub manifest: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The spec's problems as one message naming each field.
pub fn spec_problems(spec: &ExportSpec) -> Result<(), AppError> {
    spec.validate().map_err(|errors| {
        AppError::Invalid(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

/// Starts an export job for the signed-in trainer or admin.
#[server(endpoint = "exports/start", input = Json)]
pub async fn start_export(spec: ExportSpec) -> Result<ExportRecord, AppError> {
    use crate::domain::Capability;
    use crate::server::db::exports::{self, Requester};
    use crate::server::{session, AppState};
    let user = session::require(Capability::ManageData).await?;
    let state = AppState::from_context()?;
    let start = async {
        spec_problems(&spec)?;
        let created = exports::create(&state.pool, &spec, Requester::User(user.id))
            .await?
            .ok_or_else(|| AppError::NotFound(format!("Task `{}`", spec.task)))?;
        exports::get(&state.pool, created.id)
            .await?
            .ok_or(AppError::Internal)
    };
    start.await.map_err(AppError::with_status)
}

/// The most recent exports (of every task), newest first.
#[server(endpoint = "exports/list")]
pub async fn list_exports() -> Result<Vec<ExportRecord>, AppError> {
    use crate::domain::Capability;
    use crate::server::{db, session, AppState};
    session::require(Capability::ManageData).await?;
    let state = AppState::from_context()?;
    Ok(db::exports::list(&state.pool, None, 50).await?)
}
