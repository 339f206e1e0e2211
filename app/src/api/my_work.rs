//! The "My work" page: what the signed-in person has answered, and how well they agree with
//! golden labels and with final verdicts others took part in.

use crate::views::my_work::TaskWork;
use crate::AppError;
use leptos::prelude::*;

/// The signed-in person's work, per task they have answered in.
#[server(endpoint = "review/my-work")]
pub async fn my_work() -> Result<Vec<TaskWork>, AppError> {
    use crate::api::request;
    use crate::db;
    use crate::domain::Capability;
    let user = request::require(Capability::Annotate).await?;
    let state = request::state()?;
    Ok(db::my_work::per_task(&state.pool, user.id).await?)
}
