//! The built-in task files (`tasks/*.toml` at the workspace root), compiled into the binary so
//! the demo can create its tasks without reading the disk.

use app::domain::TaskDefinition;

/// `(task name, TOML text)` of each built-in task file.
pub const BUILT_IN_TASK_FILES: [(&str, &str); 3] = [
    ("interest", include_str!("../../../tasks/interest.toml")),
    ("tag", include_str!("../../../tasks/tag.toml")),
    (
        "explanation",
        include_str!("../../../tasks/explanation.toml"),
    ),
];

/// Parses a task file's text.
pub fn parse_task_file(text: &str) -> Result<TaskDefinition, toml::de::Error> {
    toml::from_str(text)
}

/// The built-in task called `name`.
///
/// # Panics
/// If `name` is not a built-in task, or its file does not parse (the tests below rule that out).
pub fn built_in_task(name: &str) -> TaskDefinition {
    let (_, text) = BUILT_IN_TASK_FILES
        .iter()
        .find(|(file, _)| *file == name)
        .unwrap_or_else(|| panic!("`{name}` is not a built-in task"));
    parse_task_file(text).unwrap_or_else(|e| panic!("tasks/{name}.toml: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{explanation, interest, tag};
    use app::domain::{ConfidenceMethod, JudgeMode, JudgeSettings, RoutingSettings, ScaleKind};

    #[test]
    fn every_built_in_task_file_parses_and_validates() {
        for (name, text) in BUILT_IN_TASK_FILES {
            let task = parse_task_file(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(task.name.as_str(), name);
            assert_eq!(task.validate(), Ok(()), "{name}");
        }
    }

    #[test]
    fn task_files_spell_out_the_default_routing_and_judge_settings() {
        for (name, _) in BUILT_IN_TASK_FILES {
            let task = built_in_task(name);
            assert_eq!(task.routing, RoutingSettings::default(), "{name}");
            assert_eq!(task.judge, JudgeSettings::default(), "{name}");
            assert_eq!(
                (task.judge.mode, task.judge.confidence),
                (JudgeMode::Single, ConfidenceMethod::Logprobs)
            );
        }
    }

    #[test]
    fn the_criteria_in_the_files_are_the_ones_the_generator_labels() {
        let expected: [(&str, &[&str]); 3] = [
            ("interest", &interest::CRITERIA),
            ("tag", &tag::CRITERIA),
            ("explanation", &explanation::CRITERIA),
        ];
        for (name, criteria) in expected {
            let task = built_in_task(name);
            let names: Vec<&str> = task.criteria.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, criteria, "{name}");
        }
    }

    #[test]
    fn every_criterion_has_a_careful_definition_and_examples_both_ways() {
        for (name, _) in BUILT_IN_TASK_FILES {
            for criterion in built_in_task(name).criteria {
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
        assert_eq!(built_in_task("interest").scale.kind, ScaleKind::Binary);
        assert_eq!(built_in_task("tag").scale.kind, ScaleKind::Binary);
        let explanation = built_in_task("explanation");
        assert_eq!(explanation.scale.kind, ScaleKind::Graded);
        assert_eq!(explanation.scale.values(), ["excellent", "good", "bad"]);
        assert_eq!(explanation.grading.strong_share_for_s, 0.5);
    }
}
