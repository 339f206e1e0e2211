//! A task's full definition: what is judged, on which criteria and scale, and how items are
//! routed between the LLM judge and humans.
//!
//! The same shape is stored as a rubric version in the database and written as a TOML task file
//! (`tasks/*.toml`), so built-in and user-defined tasks are the same kind of data.

use super::{LabelScale, TaskName};
use serde::{Deserialize, Serialize};

/// One named criterion an artifact must pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable identifier, e.g. `relevance`.
    pub name: String,
    /// Display name, e.g. `Relevance`.
    pub title: String,
    /// What the criterion means, as shown to annotators and the judge.
    pub definition: String,
    #[serde(default)]
    pub passing_examples: Vec<String>,
    #[serde(default)]
    pub failing_examples: Vec<String>,
}

/// How the S / A / B grade is derived (RecGPT-V2): any failed criterion gives B; otherwise S when
/// the share of strongly positive labels reaches `strong_share_for_s`, else A.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Grading {
    pub strong_share_for_s: f64,
}

impl Default for Grading {
    fn default() -> Self {
        Grading {
            strong_share_for_s: 1.0,
        }
    }
}

/// Which items humans must see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoutingSettings {
    /// Items whose overall or any criterion's judge confidence is below this go to humans.
    pub confidence_threshold: f64,
    /// Share of confidently judged items also sent to humans as an unbiased audit sample.
    pub audit_rate: f64,
    /// Distinct annotators needed for an item routed to humans.
    pub annotations_per_item: u32,
    /// Distinct annotators needed for an audit item.
    pub annotations_per_audit_item: u32,
    /// Show the judge's suggestion to annotators (never for audit and golden items).
    pub show_judge_suggestion: bool,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        RoutingSettings {
            confidence_threshold: 0.8,
            audit_rate: 0.05,
            annotations_per_item: 1,
            annotations_per_audit_item: 2,
            show_judge_suggestion: true,
        }
    }
}

/// Whether the judge scores all criteria in one call or one call per criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgeMode {
    Single,
    PerCriterion,
}

/// How the judge's confidence is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfidenceMethod {
    Logprobs,
    SelfConsistency,
}

/// How the LLM judge is run for a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JudgeSettings {
    pub mode: JudgeMode,
    pub confidence: ConfidenceMethod,
    /// Samples drawn for self-consistency.
    pub samples: u32,
    /// Overrides the deployment's judge model for this task.
    pub model: Option<String>,
}

impl Default for JudgeSettings {
    fn default() -> Self {
        JudgeSettings {
            mode: JudgeMode::Single,
            confidence: ConfidenceMethod::Logprobs,
            samples: 5,
            model: None,
        }
    }
}

/// Optional replacements for the built-in judge prompt templates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PromptOverrides {
    pub system: Option<String>,
    pub user: Option<String>,
}

/// A complete task definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDefinition {
    pub name: TaskName,
    pub title: String,
    pub description: String,
    pub scale: LabelScale,
    #[serde(default)]
    pub grading: Grading,
    pub criteria: Vec<Criterion>,
    /// JSON Schema for an item's `context`.
    pub context_schema: serde_json::Value,
    /// JSON Schema for an item's `output`.
    pub output_schema: serde_json::Value,
    #[serde(default)]
    pub routing: RoutingSettings,
    #[serde(default)]
    pub judge: JudgeSettings,
    #[serde(default)]
    pub prompts: PromptOverrides,
}

/// One problem in a task definition, with the path of the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DefinitionError {
    pub path: String,
    pub message: String,
}

impl TaskDefinition {
    pub fn criterion(&self, name: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.name == name)
    }

    /// Every problem in the definition; empty when it is usable.
    pub fn validate(&self) -> Result<(), Vec<DefinitionError>> {
        let mut errors = Vec::new();
        let mut push =
            |path: String, message: String| errors.push(DefinitionError { path, message });
        if self.title.trim().is_empty() {
            push("title".into(), "must not be empty".into());
        }
        for problem in self.scale.problems() {
            push("scale".into(), problem);
        }
        if self.criteria.is_empty() {
            push(
                "criteria".into(),
                "a task needs at least one criterion".into(),
            );
        }
        for (i, criterion) in self.criteria.iter().enumerate() {
            let path = format!("criteria[{i}]");
            let name_ok = !criterion.name.is_empty()
                && criterion
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !name_ok {
                push(
                    format!("{path}.name"),
                    format!(
                        "`{}` must be lower-case letters, digits or `_`",
                        criterion.name
                    ),
                );
            }
            if self.criteria[..i]
                .iter()
                .any(|earlier| earlier.name == criterion.name)
            {
                push(
                    format!("{path}.name"),
                    format!("`{}` is used by an earlier criterion", criterion.name),
                );
            }
            if criterion.definition.trim().is_empty() {
                push(format!("{path}.definition"), "must not be empty".into());
            }
        }
        let routing = &self.routing;
        if !(0.0..=1.0).contains(&routing.confidence_threshold) {
            push(
                "routing.confidence_threshold".into(),
                "must be between 0 and 1".into(),
            );
        }
        if !(0.0..=1.0).contains(&routing.audit_rate) {
            push(
                "routing.audit_rate".into(),
                "must be between 0 and 1".into(),
            );
        }
        if routing.annotations_per_item == 0 || routing.annotations_per_audit_item == 0 {
            push(
                "routing".into(),
                "annotations per item must be at least 1".into(),
            );
        }
        if !(0.0..=1.0).contains(&self.grading.strong_share_for_s) {
            push(
                "grading.strong_share_for_s".into(),
                "must be between 0 and 1".into(),
            );
        }
        if self.judge.confidence == ConfidenceMethod::SelfConsistency && self.judge.samples < 2 {
            push(
                "judge.samples".into(),
                "self-consistency needs at least 2 samples".into(),
            );
        }
        for (field, schema) in [
            ("context_schema", &self.context_schema),
            ("output_schema", &self.output_schema),
        ] {
            if !schema.is_object() {
                push(field.into(), "must be a JSON Schema object".into());
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn two_criteria_task() -> TaskDefinition {
        let criterion = |name: &str| Criterion {
            name: name.into(),
            title: name.into(),
            definition: format!("{name} holds"),
            passing_examples: vec![],
            failing_examples: vec![],
        };
        TaskDefinition {
            name: TaskName::parse("demo").unwrap(),
            title: "Demo".into(),
            description: String::new(),
            scale: LabelScale::binary(),
            grading: Grading::default(),
            criteria: vec![criterion("relevance"), criterion("clarity")],
            context_schema: serde_json::json!({"type": "object"}),
            output_schema: serde_json::json!({"type": "string"}),
            routing: RoutingSettings::default(),
            judge: JudgeSettings::default(),
            prompts: PromptOverrides::default(),
        }
    }

    #[test]
    fn a_well_formed_task_validates() {
        assert_eq!(two_criteria_task().validate(), Ok(()));
    }

    #[test]
    fn duplicate_criteria_are_reported_with_their_path() {
        let mut task = two_criteria_task();
        task.criteria[1].name = "relevance".into();
        let errors = task.validate().unwrap_err();
        assert_eq!(errors[0].path, "criteria[1].name");
    }

    #[test]
    fn an_audit_rate_above_one_is_rejected() {
        let mut task = two_criteria_task();
        task.routing.audit_rate = 1.5;
        let errors = task.validate().unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "routing.audit_rate: must be between 0 and 1"
        );
    }

    #[test]
    fn a_task_without_criteria_is_rejected() {
        let mut task = two_criteria_task();
        task.criteria.clear();
        assert!(task
            .validate()
            .unwrap_err()
            .iter()
            .any(|e| e.path == "criteria"));
    }

    #[test]
    fn omitted_routing_and_judge_settings_take_their_defaults() {
        let json = serde_json::json!({
            "name": "t", "title": "T", "description": "",
            "scale": LabelScale::binary(),
            "criteria": [{"name": "c", "title": "C", "definition": "d"}],
            "context_schema": {}, "output_schema": {}
        });
        let task: TaskDefinition = serde_json::from_value(json).unwrap();
        assert_eq!(task.routing, RoutingSettings::default());
        assert_eq!(task.judge, JudgeSettings::default());
    }
}
