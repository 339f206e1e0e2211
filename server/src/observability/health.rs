//! `/healthz` (the process is up) and `/readyz` (it can reach the database).

use app::services::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::time::Duration;

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    database_ready(&state.pool).await
}

/// How long readiness waits for the database. Probes give up after about a second (Kubernetes'
/// default), and the pool would otherwise keep trying to connect for its whole acquire timeout.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// 200 when `pool` reaches the database within a second, 503 otherwise.
pub async fn database_ready(pool: &sqlx::PgPool) -> (StatusCode, Json<Value>) {
    let check = app::db::probes::ping(pool);
    let answer = tokio::time::timeout(READY_TIMEOUT, check)
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut));
    match answer {
        Ok(_) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok" })),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}
