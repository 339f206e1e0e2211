//! Changing a task's settings: saving the settings page, applying the threshold the metrics
//! page recommends, and promoting a candidate judge. Each writes the task's next rubric version
//! with an audit entry (`db::task_settings`), refused when someone saved meanwhile.

use super::{ServiceError, ServiceResult};
use crate::db;
use crate::views::task_settings::EditableSettings;
use sqlx::PgPool;

/// Saves `settings` as the next version of `task`, made by `user_id`; returns the version.
pub async fn save(
    pool: &PgPool,
    task: &str,
    based_on: i32,
    settings: &EditableSettings,
    note: &str,
    user_id: i64,
) -> ServiceResult<i32> {
    Ok(db::task_settings::save(pool, task, based_on, settings, note.trim(), user_id).await?)
}

/// Sets `task`'s routing threshold to `threshold`, recommended for `target_agreement`.
pub async fn apply_threshold(
    pool: &PgPool,
    task: &str,
    based_on: i32,
    threshold: f64,
    target_agreement: f64,
    user_id: i64,
) -> ServiceResult<i32> {
    let (_, _, definition) = db::tasks::current_definition(pool, task)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("Task `{task}`")))?;
    let mut settings = EditableSettings::of(&definition);
    settings.routing.confidence_threshold = threshold;
    let note = format!(
        "routing threshold {threshold:.2}, recommended on the metrics page for {:.1}% agreement",
        target_agreement * 100.0
    );
    save(pool, task, based_on, &settings, &note, user_id).await
}

/// Makes the candidate judge of evaluation `evaluation_id` the judge of `task`.
pub async fn promote_judge(
    pool: &PgPool,
    task: &str,
    based_on: i32,
    evaluation_id: i64,
    user_id: i64,
) -> ServiceResult<i32> {
    Ok(db::task_settings::promote_judge(pool, task, based_on, evaluation_id, user_id).await?)
}
