//! The three built-in tasks (`interest`, `tag`, `explanation`), shipped as task files in
//! `tasks/` and created at start-up when missing. They are ordinary data afterwards: nothing in
//! cojudge treats them differently from user-defined tasks.

use anyhow::Context;
use app::domain::TaskDefinition;
use sqlx::PgPool;

/// The task files compiled into the binary, by file name.
pub const BUILTIN_TASK_FILES: [(&str, &str); 3] = [
    (
        "tasks/interest.toml",
        include_str!("../../../tasks/interest.toml"),
    ),
    ("tasks/tag.toml", include_str!("../../../tasks/tag.toml")),
    (
        "tasks/explanation.toml",
        include_str!("../../../tasks/explanation.toml"),
    ),
];

/// Parses and validates the built-in task files.
pub fn builtin_definitions() -> anyhow::Result<Vec<TaskDefinition>> {
    BUILTIN_TASK_FILES
        .iter()
        .map(|(file, text)| {
            let definition: TaskDefinition =
                toml::from_str(text).with_context(|| format!("parsing {file}"))?;
            definition.validate().map_err(|errors| {
                let list: Vec<String> = errors.iter().map(|e| format!("{file}: {e}")).collect();
                anyhow::anyhow!("invalid built-in task:\n{}", list.join("\n"))
            })?;
            Ok(definition)
        })
        .collect()
}

/// Creates any built-in task that does not exist yet; existing tasks (and their edits) are left
/// alone. Safe to run from several processes at once.
pub async fn ensure_builtin_tasks(pool: &PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for definition in builtin_definitions()? {
        if app::server::db::tasks::create_if_absent(&mut tx, &definition, true).await? {
            tracing::info!(task = %definition.name, "created built-in task");
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_task_file_parses_and_validates() {
        let names: Vec<String> = builtin_definitions()
            .unwrap()
            .into_iter()
            .map(|d| d.name.to_string())
            .collect();
        assert_eq!(names, ["interest", "tag", "explanation"]);
    }
}
