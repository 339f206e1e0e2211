//! Task settings for admins: the task's guidelines (title, description, criteria wording and
//! examples), routing (threshold, audit rate, K, blind mode) and judge settings. Saving makes a
//! new rubric version and an audit-log entry; the page also lists the versions, the audit log of
//! the task, and the items annotators flagged.

use crate::views::task_settings::{EditableSettings, TaskSettingsView};
use crate::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "tasks/settings")]
pub async fn task_settings(task: String) -> Result<TaskSettingsView, AppError> {
    use crate::api::request;
    use crate::db;
    use crate::domain::Capability;
    request::require(Capability::Administer).await?;
    let state = request::state()?;
    db::task_settings::view(&state.pool, &task)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Task `{task}`")).with_status())
}

/// Saves `settings` as the task's next rubric version, if the current version is still
/// `based_on` (otherwise someone else saved meanwhile). Returns the new version.
#[server(endpoint = "tasks/settings/save", input = Json)]
pub async fn save_task_settings(
    task: String,
    based_on: i32,
    settings: EditableSettings,
    note: String,
) -> Result<i32, AppError> {
    use crate::api::request;
    use crate::domain::Capability;
    let user = request::require(Capability::Administer).await?;
    let state = request::state()?;
    crate::services::task_settings::save(&state.pool, &task, based_on, &settings, &note, user.id)
        .await
        .map_err(AppError::respond)
}
