//! The three built-in tasks (`interest`, `tag`, `explanation`), shipped as task files in
//! `tasks/` and created at start-up when missing. They are ordinary data afterwards: nothing in
//! cojudge treats them differently from user-defined tasks.

use anyhow::Context;
use app::domain::TaskDefinition;
use sqlx::PgPool;

/// `(task name, TOML text)` of each built-in task file, compiled into the binary.
pub const BUILTIN_TASK_FILES: [(&str, &str); 3] = [
    ("interest", include_str!("../../../tasks/interest.toml")),
    ("tag", include_str!("../../../tasks/tag.toml")),
    (
        "explanation",
        include_str!("../../../tasks/explanation.toml"),
    ),
];

fn parse(name: &str, text: &str) -> anyhow::Result<TaskDefinition> {
    let file = format!("tasks/{name}.toml");
    let definition: TaskDefinition =
        toml::from_str(text).with_context(|| format!("parsing {file}"))?;
    definition.validate().map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| format!("{file}: {e}")).collect();
        anyhow::anyhow!("invalid built-in task:\n{}", list.join("\n"))
    })?;
    Ok(definition)
}

/// Parses and validates the built-in task files.
pub fn builtin_definitions() -> anyhow::Result<Vec<TaskDefinition>> {
    BUILTIN_TASK_FILES
        .iter()
        .map(|(name, text)| parse(name, text))
        .collect()
}

/// The built-in task called `name`, if there is one.
pub fn builtin_definition(name: &str) -> Option<TaskDefinition> {
    let (name, text) = BUILTIN_TASK_FILES.iter().find(|(file, _)| *file == name)?;
    parse(name, text).ok()
}

/// Creates any built-in task that does not exist yet; existing tasks (and their edits) are left
/// alone. Safe to run from several processes at once.
pub async fn ensure_builtin_tasks(pool: &PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for definition in builtin_definitions()? {
        if app::db::tasks::create_if_absent(&mut tx, &definition, true).await? {
            tracing::info!(task = %definition.name, "created built-in task");
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{ConfidenceMethod, JudgeMode, JudgeSettings, RoutingSettings, ScaleKind};

    fn task(name: &str) -> TaskDefinition {
        builtin_definition(name).unwrap()
    }

    #[test]
    fn every_built_in_task_file_parses_validates_and_is_named_like_its_file() {
        let names: Vec<String> = builtin_definitions()
            .unwrap()
            .into_iter()
            .map(|d| d.name.to_string())
            .collect();
        assert_eq!(names, ["interest", "tag", "explanation"]);
    }

    #[test]
    fn task_files_spell_out_the_default_routing_and_judge_settings() {
        for (name, _) in BUILTIN_TASK_FILES {
            let task = task(name);
            assert_eq!(task.routing, RoutingSettings::default(), "{name}");
            assert_eq!(task.judge, JudgeSettings::default(), "{name}");
            assert_eq!(
                (task.judge.mode, task.judge.confidence),
                (JudgeMode::Single, ConfidenceMethod::Logprobs)
            );
        }
    }

    #[test]
    fn every_criterion_has_a_careful_definition_and_examples_both_ways() {
        for (name, _) in BUILTIN_TASK_FILES {
            for criterion in task(name).criteria {
                let sentences = criterion.definition.matches(". ").count() + 1;
                assert!(
                    (2..=5).contains(&sentences),
                    "{name}.{}: {sentences} sentences",
                    criterion.name
                );
                assert!(
                    (2..=3).contains(&criterion.passing_examples.len()),
                    "{name}.{}",
                    criterion.name
                );
                assert!(
                    (2..=3).contains(&criterion.failing_examples.len()),
                    "{name}.{}",
                    criterion.name
                );
            }
        }
    }

    #[test]
    fn interest_and_tag_are_binary_and_explanation_is_graded() {
        assert_eq!(task("interest").scale.kind, ScaleKind::Binary);
        assert_eq!(task("tag").scale.kind, ScaleKind::Binary);
        let explanation = task("explanation");
        assert_eq!(explanation.scale.kind, ScaleKind::Graded);
        assert_eq!(explanation.scale.values(), ["excellent", "good", "bad"]);
        assert_eq!(explanation.grading.strong_share_for_s, 0.5);
    }

    #[test]
    fn an_unknown_name_is_not_a_built_in_task() {
        assert!(builtin_definition("sentiment").is_none());
    }
}
