//! `GET /api/v1/tasks/{task}/metrics`: how well the task's judge agrees with humans, as JSON
//! (the same figures as the metrics page).

use super::auth::ApiCaller;
use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery};
use app::domain::Capability;
use app::services::{metrics, AppState};
use app::views::metrics::{MetricsQuery, Sample, TaskMetrics};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

/// The query string.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsParams {
    /// `stream` (the default: estimated over every judged item, each reviewed item weighted by
    /// 1/its inclusion probability), `unbiased` (audit and golden items, unweighted) or
    /// `all_reviewed` (every human-reviewed item, unweighted: biased towards the judge's hard
    /// cases).
    #[param(inline)]
    pub sample: Option<Sample>,
    /// A judge configuration id; the most recent one with reviewed items by default.
    pub judge_config: Option<i64>,
    /// The agreement the threshold recommendation aims at, from 0 to 1 (default 0.95).
    #[param(minimum = 0.0, maximum = 1.0)]
    pub target: Option<f64>,
}

/// Agreement of judge and humans per criterion and overall (confusion matrix, accuracy,
/// precision, recall, F1, Cohen's κ, each with a 95% interval), per judge configuration,
/// generator version and week, and calibration with a threshold recommendation.
#[utoipa::path(
    get,
    path = "/api/v1/tasks/{task}/metrics",
    tag = "metrics",
    params(("task" = String, Path, description = "The task's name", example = "interest", pattern = r"^[a-z][a-z0-9_-]{0,62}$"), MetricsParams),
    responses(
        (status = 200, description = "The task's metrics", body = TaskMetrics),
        (status = 400, description = "A parameter is malformed, out of range or holds a NUL character (`invalid_parameter`)", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = super::error::ErrorBody),
        (status = 403, description = "The token's role may not see metrics", body = super::error::ErrorBody),
        (status = 404, description = "No such task or judge configuration", body = super::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn task_metrics(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(task): ApiPath<String>,
    ApiQuery(params): ApiQuery<MetricsParams>,
) -> Result<Json<TaskMetrics>, ApiError> {
    caller.require(Capability::ViewMetrics)?;
    let query = MetricsQuery {
        sample: params.sample.unwrap_or_default(),
        judge_config: params.judge_config,
        target_agreement: params
            .target
            .unwrap_or(MetricsQuery::default().target_agreement),
    };
    Ok(Json(
        metrics::task_metrics(&state.pool, &task, &query).await?,
    ))
}
