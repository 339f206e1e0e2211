//! Reading and saving task settings: a save writes the next rubric version (checked against the
//! version the admin started from) and an audit-log entry, in one transaction.

use super::audit::{self, Actor, Entry};
use super::tasks::{create_or_version, current_definition, ImportOutcome};
use crate::domain::{JudgeSettings, PromptOverrides, TaskDefinition};
use crate::views::task_settings::{
    AuditLine, EditableSettings, FlaggedAnswer, RubricVersion, TaskSettingsView,
};
use sqlx::{PgPool, Postgres, Transaction};

/// Entries of the audit log, versions and flags shown at most.
const LIST_LIMIT: i64 = 50;

pub async fn view(pool: &PgPool, name: &str) -> Result<Option<TaskSettingsView>, sqlx::Error> {
    let Some((task_id, rubric_version, definition)) = current_definition(pool, name).await? else {
        return Ok(None);
    };
    let versions = sqlx::query_as!(
        RubricVersion,
        r#"SELECT r.version, r.note, r.created_at, u.email AS "created_by?"
           FROM rubrics r LEFT JOIN users u ON u.id = r.created_by
           WHERE r.task_id = $1 ORDER BY r.version DESC LIMIT $2"#,
        task_id,
        LIST_LIMIT
    )
    .fetch_all(pool)
    .await?;
    let audit = sqlx::query_as!(
        AuditLine,
        r#"SELECT l.at, l.action, l.details::text AS "details!",
                  coalesce(u.email, 'token ' || t.name, nullif(l.actor_label, ''), 'system')
                      AS "actor!"
           FROM audit_log l
           LEFT JOIN users u ON u.id = l.actor_user_id
           LEFT JOIN api_tokens t ON t.id = l.actor_token_id
           WHERE l.target_type = 'task' AND l.target_id = $1
           ORDER BY l.id DESC LIMIT $2"#,
        name,
        LIST_LIMIT
    )
    .fetch_all(pool)
    .await?;
    let flagged = sqlx::query_as!(
        FlaggedAnswer,
        r#"SELECT i.external_id, u.email AS annotator,
                  coalesce(a.skip_reason, a.rationale) AS note, a.created_at AS at
           FROM annotations a JOIN items i ON i.id = a.item_id JOIN users u ON u.id = a.user_id
           WHERE i.task_id = $1 AND a.flagged AND a.retracted_at IS NULL
           ORDER BY a.id DESC LIMIT $2"#,
        task_id,
        LIST_LIMIT
    )
    .fetch_all(pool)
    .await?;
    Ok(Some(TaskSettingsView {
        name: name.to_string(),
        rubric_version,
        settings: EditableSettings::of(&definition),
        versions,
        audit,
        flagged,
    }))
}

/// Why a new version of a task's settings was not written.
#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    #[error("Task `{0}`")]
    NoSuchTask(String),
    #[error("Evaluation {0}")]
    NoSuchEvaluation(i64),
    /// Someone saved another version after the person's page loaded `based_on`.
    #[error("Someone saved version {current} of this task after you opened it (at version {based_on}). Reload the page to see it, then make your change again.")]
    Stale { current: i32, based_on: i32 },
    /// The settings are not valid for the task.
    #[error("{0}")]
    Invalid(String),
    #[error("Nothing changed.")]
    Unchanged,
    /// Stored data that should read back does not (a broken invariant).
    #[error("{0}")]
    Unreadable(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Saves `settings` as the next version of task `name`, made by `user_id`.
pub async fn save(
    pool: &PgPool,
    name: &str,
    based_on: i32,
    settings: &EditableSettings,
    note: &str,
    user_id: i64,
) -> Result<i32, VersionError> {
    let note = if note.is_empty() {
        "changed on the settings page"
    } else {
        note
    };
    let change = |definition: &TaskDefinition| {
        let next = settings
            .apply_to(definition)
            .map_err(VersionError::Invalid)?;
        let changed = changed_fields(&EditableSettings::of(definition), settings);
        Ok((
            next,
            serde_json::json!({ "changed": changed, "note": note }),
        ))
    };
    let (tx, version) =
        new_version(pool, name, based_on, user_id, "task.settings", note, change).await?;
    tx.commit().await?;
    Ok(version)
}

/// Makes the candidate judge of evaluation `evaluation_id` the judge of task `name`: its judge
/// settings and prompts in the task's next rubric version, an audit entry, and the evaluation
/// marked as promoted.
pub async fn promote_judge(
    pool: &PgPool,
    name: &str,
    based_on: i32,
    evaluation_id: i64,
    user_id: i64,
) -> Result<i32, VersionError> {
    let found = sqlx::query!(
        "SELECT e.judge, e.prompts FROM judge_evaluations e JOIN tasks t ON t.id = e.task_id
         WHERE e.id = $1 AND t.name = $2",
        evaluation_id,
        name
    )
    .fetch_optional(pool)
    .await?
    .ok_or(VersionError::NoSuchEvaluation(evaluation_id))?;
    let (judge, prompts) = (found.judge, found.prompts);
    let unreadable = |error: serde_json::Error| VersionError::Unreadable(error.to_string());
    let judge: JudgeSettings = serde_json::from_value(judge).map_err(unreadable)?;
    let prompts: PromptOverrides = serde_json::from_value(prompts).map_err(unreadable)?;
    let note = format!("judge of evaluation {evaluation_id} promoted on the metrics page");
    let change = |definition: &TaskDefinition| {
        let mut next = definition.clone();
        next.judge = judge.clone();
        next.prompts = prompts.clone();
        Ok((
            next,
            serde_json::json!({ "evaluation": evaluation_id, "judge": judge, "note": note }),
        ))
    };
    let (mut tx, version) = new_version(
        pool,
        name,
        based_on,
        user_id,
        "judge.promoted",
        &note,
        change,
    )
    .await?;
    sqlx::query!(
        "UPDATE judge_evaluations SET promoted_at = now(), promoted_by = $2 WHERE id = $1",
        evaluation_id,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// Writes the next version of task `name` (refused unless the current one is still `based_on`)
/// from what `change` makes of the current definition, with an audit entry `action` whose
/// details are `change`'s plus the versions. The caller commits.
async fn new_version<'p>(
    pool: &'p PgPool,
    name: &str,
    based_on: i32,
    user_id: i64,
    action: &'static str,
    note: &str,
    change: impl FnOnce(&TaskDefinition) -> Result<(TaskDefinition, serde_json::Value), VersionError>,
) -> Result<(Transaction<'p, Postgres>, i32), VersionError> {
    let mut tx = pool.begin().await?;
    let locked = sqlx::query_scalar!(
        "SELECT current_rubric FROM tasks WHERE name = $1 FOR NO KEY UPDATE",
        name
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = locked else {
        return Err(VersionError::NoSuchTask(name.to_string()));
    };
    if current != based_on {
        return Err(VersionError::Stale { current, based_on });
    }
    let (_, _, definition) = current_definition(&mut *tx, name)
        .await?
        .ok_or_else(|| VersionError::Unreadable(format!("task `{name}` has no current rubric")))?;
    let (next, mut details) = change(&definition)?;
    let version = match create_or_version(&mut tx, &next, note).await? {
        ImportOutcome::Versioned { version, .. } => version,
        ImportOutcome::Unchanged { .. } => return Err(VersionError::Unchanged),
        ImportOutcome::Created { .. } => {
            return Err(VersionError::Unreadable(format!(
                "task `{name}` was created, not versioned"
            )))
        }
    };
    sqlx::query!(
        "UPDATE rubrics SET created_by = $3
         WHERE task_id = (SELECT id FROM tasks WHERE name = $1) AND version = $2",
        name,
        version,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    details["from_version"] = current.into();
    details["to_version"] = version.into();
    audit::record(
        &mut tx,
        Entry {
            actor: Actor::User(user_id),
            action,
            target_type: "task",
            target_id: name.to_string(),
            details,
        },
    )
    .await?;
    Ok((tx, version))
}

/// Top-level paths whose values differ, e.g. `routing.audit_rate`, `criteria[1]`.
fn changed_fields(before: &EditableSettings, after: &EditableSettings) -> Vec<String> {
    let before = serde_json::to_value(before).expect("settings serialise");
    let after = serde_json::to_value(after).expect("settings serialise");
    let mut changed = Vec::new();
    for (key, old) in before.as_object().into_iter().flatten() {
        let new = &after[key];
        match (old, new) {
            (serde_json::Value::Object(old), serde_json::Value::Object(new)) => {
                for (field, value) in old {
                    if new.get(field) != Some(value) {
                        changed.push(format!("{key}.{field}"));
                    }
                }
            }
            (serde_json::Value::Array(old), serde_json::Value::Array(new)) => {
                for (i, value) in old.iter().enumerate() {
                    if new.get(i) != Some(value) {
                        changed.push(format!("{key}[{i}]"));
                    }
                }
            }
            (old, new) if old != new => changed.push(key.clone()),
            _ => {}
        }
    }
    changed
}
