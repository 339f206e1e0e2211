//! Tasks, their rubric versions, and item counts per state.

use crate::api::tasks::{CriterionBrief, StateCount, TaskSummary};
use crate::domain::{ItemState, TaskDefinition};
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

/// The id and current definition of the task called `name`.
pub async fn current_definition(
    pool: &PgPool,
    name: &str,
) -> Result<Option<(i64, i32, TaskDefinition)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT t.id, t.current_rubric, r.definition
           FROM tasks t JOIN rubrics r ON r.task_id = t.id AND r.version = t.current_rubric
           WHERE t.name = $1"#,
        name,
    )
    .fetch_optional(pool)
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
