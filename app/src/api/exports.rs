//! Dataset exports for trainers: the records the Export page and `GET /api/v1/exports/{id}`
//! show, and the server functions that start and list exports. The export itself runs in a
//! background runner (server crate), never in the request.

use crate::domain::ExportSpec;
#[cfg(feature = "ssr")]
use crate::views::exports::spec_problems;
use crate::views::exports::ExportRecord;
use crate::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Starts an export job for the signed-in trainer or admin.
#[server(endpoint = "exports/start", input = Json)]
pub async fn start_export(spec: ExportSpec) -> Result<ExportRecord, AppError> {
    use crate::api::request;
    use crate::db::exports::{self, Requester};
    use crate::domain::Capability;
    let user = request::require(Capability::ManageData).await?;
    let state = request::state()?;
    let start = async {
        spec_problems(&spec)?;
        let created = exports::create(&state.pool, &spec, Requester::User(user.id))
            .await?
            .ok_or_else(|| AppError::NotFound(format!("Task `{}`", spec.task)))?;
        exports::get(&state.pool, created.id)
            .await?
            .ok_or(AppError::Internal)
    };
    start.await.map_err(AppError::respond)
}

/// The most recent exports (of every task), newest first.
#[server(endpoint = "exports/list")]
pub async fn list_exports() -> Result<Vec<ExportRecord>, AppError> {
    use crate::api::request;
    use crate::db;
    use crate::domain::Capability;
    request::require(Capability::ManageData).await?;
    let state = request::state()?;
    Ok(db::exports::list(&state.pool, None, 50).await?)
}
