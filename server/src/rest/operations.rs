//! `GET /api/v1/tasks/{task}/operations`: the numbers of the task's operations dashboards as
//! JSON (queue depth over time, work per hour and day, judge tokens and cost, and for admin
//! tokens each annotator's throughput).

use super::auth::ApiCaller;
use super::error::ApiError;
use super::extract::{ApiPath, ApiQuery};
use app::domain::Capability;
use app::services::{operations, AppState};
use app::views::operations::{Operations, PERIODS};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

/// The query string.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OperationsParams {
    /// The period in days: 1, 7 (the default), 30 or 90.
    #[param(schema_with = days_schema)]
    pub days: Option<u32>,
}

/// `days`: one of [`PERIODS`].
fn days_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .enum_values(Some(PERIODS))
        .build()
}

/// Queue depth per waiting state over time (the last sample of each bin), work
/// per hour and per day (judged, judge errors, human answers, skips, adjudications, verdicts by
/// who decided them, tokens and cost), the human share of decisions per day, and, for admin
/// tokens, each annotator's throughput. Figures lag by at most one sampling interval.
#[utoipa::path(
    get,
    path = "/api/v1/tasks/{task}/operations",
    tag = "metrics",
    params(("task" = String, Path, description = "The task's name", example = "interest", pattern = r"^[a-z][a-z0-9_-]{0,62}$"), OperationsParams),
    responses(
        (status = 200, description = "The task's operations figures", body = Operations),
        (status = 400, description = "`days` is not one of 1, 7, 30, 90, or a parameter holds a NUL character (`invalid_parameter`)", body = super::error::ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = super::error::ErrorBody),
        (status = 403, description = "The token's role may not see metrics", body = super::error::ErrorBody),
        (status = 404, description = "No such task", body = super::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn task_operations(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(task): ApiPath<String>,
    ApiQuery(params): ApiQuery<OperationsParams>,
) -> Result<Json<Operations>, ApiError> {
    caller.require(Capability::ViewMetrics)?;
    let days = params.days.unwrap_or(PERIODS[1]);
    let with_annotators = caller.role.can(Capability::Administer);
    let figures = operations::task_operations(
        &state.pool,
        &task,
        days,
        chrono::Utc::now(),
        with_annotators,
    )
    .await?;
    Ok(Json(figures))
}
