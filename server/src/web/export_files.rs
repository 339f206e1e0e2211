//! `GET /exports/{id}/files/{name}`: the Export page's download links, for signed-in trainers
//! and admins (the same files as the REST API's download, authorised by the session).

use crate::export::download::{file_response, ExportFiles, Unavailable};
use app::db;
use app::domain::Capability;
use app::services::{session, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tower_sessions::Session;

pub async fn download(
    State(state): State<AppState>,
    Extension(files): Extension<ExportFiles>,
    session: Session,
    Path((id, name)): Path<(i64, String)>,
) -> Response {
    let user = match session::user_of(&state, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response()
        }
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if !user.role.can(Capability::ManageData) {
        return (
            StatusCode::FORBIDDEN,
            "Exports are for trainers and admins.",
        )
            .into_response();
    }
    let record = match db::exports::get(&state.pool, id).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            return (StatusCode::NOT_FOUND, format!("Export {id} was not found.")).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "reading an export");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match file_response(&state.pool, &files, &record, &name).await {
        Ok(response) => response,
        Err(Unavailable::NotReady(message)) => (StatusCode::CONFLICT, message).into_response(),
        Err(Unavailable::Deleted(at)) => (
            StatusCode::GONE,
            format!(
                "The files of export {id} were deleted on {} after the retention period; export again.",
                at.format("%Y-%m-%d")
            ),
        )
            .into_response(),
        Err(Unavailable::Database(error)) => {
            tracing::error!(%error, "registering a download");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(Unavailable::NoSuchFile | Unavailable::Missing) => (
            StatusCode::NOT_FOUND,
            format!("Export {id} has no file `{name}` here."),
        )
            .into_response(),
    }
}
