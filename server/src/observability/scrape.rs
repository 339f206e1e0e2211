//! `GET /metrics`: refreshes the gauges read from the database (items waiting per task and
//! state), then renders every metric. Also a tiny server for processes without a web port
//! (`cojudge worker --metrics-addr`).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sqlx::PgPool;
use std::future::Future;
use std::net::SocketAddr;

/// The waiting states counted (done only grows and is not a queue).
const WAITING: [&str; 5] = [
    "queued",
    "judging",
    "human_review",
    "adjudication",
    "failed",
];

/// The web app's handler.
pub async fn metrics(State(state): State<app::services::AppState>) -> Response {
    scrape(&state.pool).await
}

/// The metrics server's handler.
async fn metrics_of_pool(State(pool): State<PgPool>) -> Response {
    scrape(&pool).await
}

async fn scrape(pool: &PgPool) -> Response {
    if let Err(error) = refresh_queue_gauges(pool).await {
        tracing::warn!(%error, "metrics: could not count the queues");
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        super::render(),
    )
        .into_response()
}

/// Sets `cojudge_queue_items{task, state}`: one index range count per task and waiting state.
async fn refresh_queue_gauges(pool: &PgPool) -> Result<(), sqlx::Error> {
    for (task, state, items) in app::db::probes::items_waiting(pool, &WAITING).await? {
        metrics::gauge!("cojudge_queue_items", "task" => task, "state" => state).set(items as f64);
    }
    Ok(())
}

/// Serves `/metrics`, `/healthz` and `/readyz` on `addr` until `shutdown` resolves.
pub async fn serve(
    addr: SocketAddr,
    pool: PgPool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    super::install();
    let router = Router::new()
        .route("/metrics", get(metrics_of_pool))
        .route("/healthz", get(super::health::healthz))
        .route("/readyz", get(ready))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving metrics");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

async fn ready(State(pool): State<PgPool>) -> impl IntoResponse {
    super::health::database_ready(&pool).await
}
