//! Task overviews for the home page.

use crate::views::tasks::TaskSummary;
use crate::AppError;
use leptos::prelude::*;

/// Every active task with its item counts per state.
#[server(endpoint = "tasks/summaries")]
pub async fn task_summaries() -> Result<Vec<TaskSummary>, AppError> {
    use crate::api::request;
    use crate::db;
    use crate::domain::Capability;
    request::require(Capability::ViewTasks).await?;
    let state = request::state()?;
    Ok(db::tasks::summaries(&state.pool).await?)
}
