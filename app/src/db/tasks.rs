//! Tasks, their rubric versions, and item counts per state.

use crate::domain::{ItemState, TaskDefinition};
use crate::views::tasks::{CriterionBrief, StateCount, TaskSummary};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashMap;

/// The sha256 of a definition's canonical JSON, stored with each rubric version.
pub fn definition_digest(definition: &TaskDefinition) -> String {
    let canonical = serde_json::to_vec(definition).expect("a task definition always serialises");
    hex::encode(Sha256::digest(canonical))
}

/// Creates the task with `definition` as rubric version 1, unless a task of that name exists.
/// Returns whether it was created.
pub async fn create_if_absent(
    tx: &mut Transaction<'_, Postgres>,
    definition: &TaskDefinition,
    builtin: bool,
) -> Result<bool, sqlx::Error> {
    let task_id = sqlx::query_scalar!(
        r#"INSERT INTO tasks (name, title, description, builtin) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO NOTHING RETURNING id"#,
        definition.name.as_str(),
        definition.title,
        definition.description,
        builtin,
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(task_id) = task_id else {
        return Ok(false);
    };
    let json = serde_json::to_value(definition).expect("a task definition always serialises");
    sqlx::query!(
        "INSERT INTO rubrics (task_id, version, definition, digest, note) VALUES ($1, 1, $2, $3, $4)",
        task_id,
        json,
        definition_digest(definition),
        if builtin { "built-in task" } else { "created" },
    )
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// What [`create_or_version`] did with a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The task did not exist; it now does, with this rubric version (1).
    Created { version: i32 },
    /// The definition differed from the current rubric: `version` is new and current.
    Versioned { version: i32, previous: i32 },
    /// The current rubric `version` already has this definition; nothing was written.
    Unchanged { version: i32 },
}

/// Creates the task (rubric version 1), or makes `definition` its new current rubric version
/// when it differs from the current one, also updating the task's title and description.
///
/// The task row is locked before its rubrics are read, so concurrent imports of one task run one
/// after the other: the second sees the first's version and finds its own definition unchanged
/// instead of adding a duplicate. `NO KEY UPDATE` (what the `UPDATE` below takes anyway) leaves
/// rows that reference the task, such as new items, free to be inserted meanwhile.
pub async fn create_or_version(
    tx: &mut Transaction<'_, Postgres>,
    definition: &TaskDefinition,
    note: &str,
) -> Result<ImportOutcome, sqlx::Error> {
    let name = definition.name.as_str();
    let digest = definition_digest(definition);
    let json = serde_json::to_value(definition).expect("a task definition always serialises");
    let created = sqlx::query_scalar!(
        r#"INSERT INTO tasks (name, title, description) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO NOTHING RETURNING id"#,
        name,
        definition.title,
        definition.description,
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(task_id) = created {
        sqlx::query!(
            "INSERT INTO rubrics (task_id, version, definition, digest, note) VALUES ($1, 1, $2, $3, $4)",
            task_id,
            json,
            digest,
            note,
        )
        .execute(&mut **tx)
        .await?;
        return Ok(ImportOutcome::Created { version: 1 });
    }
    // Lock first, then read the rubric in a separate statement: under READ COMMITTED that
    // statement sees a version committed by whoever held the lock before us.
    let task = sqlx::query!(
        "SELECT id, current_rubric FROM tasks WHERE name = $1 FOR NO KEY UPDATE",
        name
    )
    .fetch_one(&mut **tx)
    .await?;
    let current = sqlx::query_scalar!(
        "SELECT digest FROM rubrics WHERE task_id = $1 AND version = $2",
        task.id,
        task.current_rubric,
    )
    .fetch_optional(&mut **tx)
    .await?;
    if current.as_deref() == Some(digest.as_str()) {
        return Ok(ImportOutcome::Unchanged {
            version: task.current_rubric,
        });
    }
    let version = sqlx::query_scalar!(
        r#"INSERT INTO rubrics (task_id, version, definition, digest, note)
           SELECT $1, COALESCE(max(version), 0) + 1, $2, $3, $4 FROM rubrics WHERE task_id = $1
           RETURNING version"#,
        task.id,
        json,
        digest,
        note,
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE tasks SET current_rubric = $2, title = $3, description = $4 WHERE id = $1",
        task.id,
        version,
        definition.title,
        definition.description,
    )
    .execute(&mut **tx)
    .await?;
    Ok(ImportOutcome::Versioned {
        version,
        previous: task.current_rubric,
    })
}

/// Rubric version `version` of the task called `name`, if both exist.
pub async fn definition_at(
    pool: &PgPool,
    name: &str,
    version: i32,
) -> Result<Option<TaskDefinition>, sqlx::Error> {
    let definition = sqlx::query_scalar!(
        r#"SELECT r.definition FROM rubrics r JOIN tasks t ON t.id = r.task_id
           WHERE t.name = $1 AND r.version = $2"#,
        name,
        version,
    )
    .fetch_optional(pool)
    .await?;
    definition
        .map(|json| serde_json::from_value(json).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// Rubric version `version` of task `task_id` (the judge worker's claimed version).
pub async fn definition_of(
    pool: &PgPool,
    task_id: i64,
    version: i32,
) -> Result<TaskDefinition, sqlx::Error> {
    let definition = sqlx::query_scalar!(
        "SELECT definition FROM rubrics WHERE task_id = $1 AND version = $2",
        task_id,
        version
    )
    .fetch_one(pool)
    .await?;
    serde_json::from_value(definition).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// One task as `cojudge task list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskListing {
    pub name: String,
    pub title: String,
    pub current_rubric: i32,
    pub builtin: bool,
    pub archived: bool,
    pub items: i64,
}

/// The names of the active (not archived) tasks, oldest first.
pub async fn active_names(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT name FROM tasks WHERE archived_at IS NULL ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Every task, archived ones included, by name, with its item count.
pub async fn list(pool: &PgPool) -> Result<Vec<TaskListing>, sqlx::Error> {
    sqlx::query_as!(
        TaskListing,
        r#"SELECT t.name, t.title, t.current_rubric, t.builtin,
                  t.archived_at IS NOT NULL AS "archived!",
                  (SELECT count(*) FROM items i WHERE i.task_id = t.id) AS "items!"
           FROM tasks t ORDER BY t.name"#
    )
    .fetch_all(pool)
    .await
}

/// The id and current definition of the task called `name`.
pub async fn current_definition(
    executor: impl sqlx::PgExecutor<'_>,
    name: &str,
) -> Result<Option<(i64, i32, TaskDefinition)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT t.id, t.current_rubric, r.definition
           FROM tasks t JOIN rubrics r ON r.task_id = t.id AND r.version = t.current_rubric
           WHERE t.name = $1"#,
        name,
    )
    .fetch_optional(executor)
    .await?;
    row.map(|r| {
        let definition =
            serde_json::from_value(r.definition).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        Ok((r.id, r.current_rubric, definition))
    })
    .transpose()
}

/// Every active task with its criteria and how many items it has in each state.
pub async fn summaries(pool: &PgPool) -> Result<Vec<TaskSummary>, sqlx::Error> {
    let tasks = sqlx::query!(
        r#"SELECT t.id, t.name, t.title, t.description, t.current_rubric, r.definition
           FROM tasks t JOIN rubrics r ON r.task_id = t.id AND r.version = t.current_rubric
           WHERE t.archived_at IS NULL ORDER BY t.id"#
    )
    .fetch_all(pool)
    .await?;
    let counts = sqlx::query!(
        r#"SELECT task_id, state, count(*) AS "count!" FROM items GROUP BY task_id, state"#
    )
    .fetch_all(pool)
    .await?;
    let mut by_task: HashMap<(i64, String), i64> = HashMap::new();
    for row in counts {
        by_task.insert((row.task_id, row.state), row.count);
    }
    tasks
        .into_iter()
        .map(|task| {
            let definition: TaskDefinition = serde_json::from_value(task.definition)
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            let counts: Vec<StateCount> = ItemState::ALL
                .into_iter()
                .map(|state| StateCount {
                    state,
                    count: by_task
                        .get(&(task.id, state.as_str().to_string()))
                        .copied()
                        .unwrap_or(0),
                })
                .collect();
            Ok(TaskSummary {
                name: task.name,
                title: task.title,
                description: task.description,
                rubric_version: task.current_rubric,
                criteria: definition
                    .criteria
                    .iter()
                    .map(|c| CriterionBrief {
                        name: c.name.clone(),
                        title: c.title.clone(),
                        definition: c.definition.clone(),
                    })
                    .collect(),
                scale: definition
                    .scale
                    .labels
                    .iter()
                    .map(|l| l.title.clone())
                    .collect(),
                total: counts.iter().map(|c| c.count).sum(),
                counts,
            })
        })
        .collect()
}
