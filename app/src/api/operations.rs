//! The operations dashboards of a task: queue depth per state over time, work done per hour
//! (judged, reviewed, decided), the human share of decisions, the judge's tokens and cost per
//! day, and each annotator's throughput. Read from the sampler's tables (migration 0013), so
//! the figures lag by at most one sampling interval.

use crate::views::operations::Operations;
use crate::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The dashboards of `task` over the last `days` days (one of [`PERIODS`]).
#[server(endpoint = "operations/task", input = Json)]
pub async fn get_operations(task: String, days: u32) -> Result<Operations, AppError> {
    use crate::api::request;
    use crate::domain::Capability;
    use crate::services::operations;
    let user = request::require(Capability::ViewMetrics).await?;
    let state = request::state()?;
    let with_annotators = user.role.can(Capability::Administer);
    operations::task_operations(
        &state.pool,
        &task,
        days,
        chrono::Utc::now(),
        with_annotators,
    )
    .await
    .map_err(AppError::respond)
}
