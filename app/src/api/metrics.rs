//! How well a task's judge agrees with humans: the server functions behind the metrics page
//! (figures, annotators, drift) and its two actions (apply a threshold, promote a judge).

use crate::views::metrics::{AnnotatorFigures, DriftNote, MetricsQuery, TaskMetrics};
use crate::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The figures for `task`.
#[server(endpoint = "metrics/task", input = Json)]
pub async fn get_task_metrics(task: String, query: MetricsQuery) -> Result<TaskMetrics, AppError> {
    use crate::api::request;
    use crate::domain::Capability;
    use crate::services::metrics;
    request::require(Capability::ViewMetrics).await?;
    let state = request::state()?;
    metrics::task_metrics(&state.pool, &task, &query)
        .await
        .map_err(AppError::respond)
}

/// Sets `task`'s routing threshold to `threshold` (the one recommended on the metrics page):
/// a new rubric version and an audit entry, if the current version is still `based_on`.
/// Returns the new version.
#[server(endpoint = "metrics/apply-threshold")]
pub async fn apply_threshold(
    task: String,
    based_on: i32,
    threshold: f64,
    target_agreement: f64,
) -> Result<i32, AppError> {
    use crate::api::request;
    use crate::domain::Capability;
    use crate::services::task_settings;
    let user = request::require(Capability::Administer).await?;
    let state = request::state()?;
    task_settings::apply_threshold(
        &state.pool,
        &task,
        based_on,
        threshold,
        target_agreement,
        user.id,
    )
    .await
    .map_err(AppError::respond)
}

/// Makes the candidate of evaluation `evaluation_id` the task's judge (admins): its judge
/// settings and prompts in a new rubric version, with an audit entry. Returns the new version.
#[server(endpoint = "metrics/promote")]
pub async fn promote_judge(
    task: String,
    based_on: i32,
    evaluation_id: i64,
) -> Result<i32, AppError> {
    use crate::api::request;
    use crate::domain::Capability;
    use crate::services::task_settings;
    let user = request::require(Capability::Administer).await?;
    let state = request::state()?;
    task_settings::promote_judge(&state.pool, &task, based_on, evaluation_id, user.id)
        .await
        .map_err(AppError::respond)
}

/// Every active task whose judge drifted in its latest week (stream-wide figures, the default
/// judge configuration and target), for the warnings on the task cards.
#[server(endpoint = "metrics/drift")]
pub async fn drift_notes() -> Result<Vec<DriftNote>, AppError> {
    use crate::api::request;
    use crate::db;
    use crate::domain::Capability;
    use crate::services::metrics;
    request::require(Capability::ViewMetrics).await?;
    let state = request::state()?;
    let query = MetricsQuery::default();
    let mut notes = Vec::new();
    for task in db::tasks::active_names(&state.pool).await? {
        let figures = metrics::task_metrics(&state.pool, &task, &query)
            .await
            .map_err(AppError::respond)?;
        if let Some(week) = figures
            .by_week
            .last()
            .filter(|w| w.below(query.target_agreement))
        {
            notes.push(DriftNote {
                task,
                week: week.clone(),
                target: query.target_agreement,
            });
        }
    }
    Ok(notes)
}
/// Each annotator's golden accuracy and agreement with final verdicts, and pairwise κ (admins).
#[server(endpoint = "metrics/annotators")]
pub async fn get_annotator_figures(task: String) -> Result<AnnotatorFigures, AppError> {
    use crate::api::request;
    use crate::domain::Capability;
    use crate::services::metrics;
    request::require(Capability::Administer).await?;
    let state = request::state()?;
    metrics::annotator_figures(&state.pool, &task)
        .await
        .map_err(AppError::respond)
}
