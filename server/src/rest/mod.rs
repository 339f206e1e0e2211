//! The public REST API under `/api/v1`, authorised by API tokens (`Authorization: Bearer`).
//! Handlers are thin: they take an [`auth::ApiCaller`], call `app::db`, and return
//! JSON or an [`error::ApiError`].

pub mod auth;
pub mod docs_page;
pub mod error;
pub mod exports;
pub mod extract;
pub mod items;
pub mod metrics;
pub mod openapi;
pub mod operations;
pub mod whoami;

use app::services::AppState;
use axum::routing::{get, post};
use axum::Router;

/// Every `/api/v1` route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/whoami", get(whoami::whoami))
        .route("/api/v1/items", post(items::import_items))
        .route("/api/v1/tasks/{task}/metrics", get(metrics::task_metrics))
        .route(
            "/api/v1/tasks/{task}/operations",
            get(operations::task_operations),
        )
        .route(
            "/api/v1/exports",
            post(exports::start_export).get(exports::list_exports),
        )
        .route("/api/v1/exports/{id}", get(exports::get_export))
        .route(
            "/api/v1/exports/{id}/files/{name}",
            get(exports::download_file),
        )
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
        .route("/api/v1/docs", get(docs_page::docs_page))
}
