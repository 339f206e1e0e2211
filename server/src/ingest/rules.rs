//! Checking a record against its task: JSON Schemas for context and output, golden labels and
//! imported judgments against the rubric. Produces a [`CheckedItem`], with the routing decision
//! already made for items judged offline.

use super::nul::nul_errors;
use super::record::{FieldError, Generator, ImportedJudgment, ItemRecord};
use app::domain::routing::{audit_draw, route, JudgeOutcome};
use app::domain::{RoutingDecision, TaskDefinition, Verdict};
use serde_json::Value;
use std::collections::BTreeMap;

/// The longest external id accepted.
const MAX_EXTERNAL_ID: usize = 256;
/// Error messages quote at most this many characters of the offending value.
const MAX_MESSAGE: usize = 240;

/// A task's rules, compiled once per import.
pub struct TaskRules {
    pub definition: TaskDefinition,
    context_schema: jsonschema::Validator,
    output_schema: jsonschema::Validator,
}

/// A valid item, ready to stage.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedItem {
    pub external_id: String,
    pub context: Value,
    pub output: Value,
    pub generator: Option<Generator>,
    pub batch: Option<String>,
    pub golden: Option<BTreeMap<String, String>>,
    pub meta: Option<Value>,
    pub judgment: Option<CheckedJudgment>,
}

/// An imported judgment with what follows from it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedJudgment {
    pub judgment: ImportedJudgment,
    pub verdict: Verdict,
    pub overall_confidence: Option<f64>,
    pub routing: RoutingDecision,
}

impl TaskRules {
    /// Compiles the task's schemas; an invalid schema is reported as such.
    pub fn new(definition: TaskDefinition) -> Result<TaskRules, String> {
        let compile = |name: &str, schema: &Value| {
            jsonschema::validator_for(schema)
                .map_err(|e| format!("the task's {name} is not a valid JSON Schema: {e}"))
        };
        Ok(TaskRules {
            context_schema: compile("context_schema", &definition.context_schema)?,
            output_schema: compile("output_schema", &definition.output_schema)?,
            definition,
        })
    }

    /// Checks `record`; `default_batch` applies when the line names none.
    pub fn check(
        &self,
        record: ItemRecord,
        default_batch: Option<&str>,
    ) -> Result<CheckedItem, Vec<FieldError>> {
        let mut errors = Vec::new();
        nul_errors(&record, &mut errors);
        let task = self.definition.name.as_str();
        if record.task.as_deref().is_some_and(|t| t != task) {
            errors.push(FieldError::new(
                "task",
                format!(
                    "is `{}` but this import is for task `{task}`",
                    record.task.unwrap_or_default()
                ),
            ));
        }
        check_external_id(&record.external_id, &mut errors);
        schema_errors(
            &self.context_schema,
            &record.context,
            "context",
            &mut errors,
        );
        schema_errors(&self.output_schema, &record.output, "output", &mut errors);
        if let Some(golden) = &record.golden {
            self.check_labels(golden, "golden", &mut errors);
        }
        let judgment = record.judgment.map(|j| {
            self.check_judgment(j, &record.external_id, record.golden.is_some(), &mut errors)
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckedItem {
            external_id: record.external_id,
            context: record.context,
            output: record.output,
            generator: record.generator,
            batch: record.batch.or_else(|| default_batch.map(str::to_string)),
            golden: record.golden,
            meta: record.meta,
            judgment: judgment.flatten(),
        })
    }

    fn check_labels(
        &self,
        labels: &BTreeMap<String, String>,
        path: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<Verdict> {
        let before = errors.len();
        for (criterion, label) in labels {
            if self.definition.criterion(criterion).is_none() {
                let known: Vec<&str> = self
                    .definition
                    .criteria
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect();
                errors.push(FieldError::new(
                    format!("{path}.{criterion}"),
                    format!(
                        "is not a criterion of this task (expected one of {})",
                        known.join(", ")
                    ),
                ));
            } else if self.definition.scale.label(label).is_none() {
                errors.push(FieldError::new(
                    format!("{path}.{criterion}"),
                    format!(
                        "`{label}` is not on the scale (expected one of {})",
                        self.definition.scale.values().join(", ")
                    ),
                ));
            }
        }
        for criterion in &self.definition.criteria {
            if !labels.contains_key(&criterion.name) {
                errors.push(FieldError::new(
                    format!("{path}.{}", criterion.name),
                    "is missing: every criterion needs a label",
                ));
            }
        }
        if errors.len() > before {
            return None;
        }
        Verdict::from_labels(&self.definition, labels).ok()
    }

    fn check_judgment(
        &self,
        judgment: ImportedJudgment,
        external_id: &str,
        golden: bool,
        errors: &mut Vec<FieldError>,
    ) -> Option<CheckedJudgment> {
        let verdict = self.check_labels(&judgment.labels, "judgment.labels", errors);
        for (criterion, confidence) in &judgment.confidence {
            if self.definition.criterion(criterion).is_none() {
                errors.push(FieldError::new(
                    format!("judgment.confidence.{criterion}"),
                    "is not a criterion of this task",
                ));
            } else if !(0.0..=1.0).contains(confidence) {
                errors.push(FieldError::new(
                    format!("judgment.confidence.{criterion}"),
                    format!("{confidence} is not between 0 and 1"),
                ));
            }
        }
        if judgment
            .overall_confidence
            .is_some_and(|c| !(0.0..=1.0).contains(&c))
        {
            errors.push(FieldError::new(
                "judgment.overall_confidence",
                "is not between 0 and 1",
            ));
        }
        for (field, value) in [
            ("judgment.model", &judgment.model),
            ("judgment.prompt_version", &judgment.prompt_version),
        ] {
            if value.trim().is_empty() {
                errors.push(FieldError::new(field, "must not be empty"));
            }
        }
        let verdict = verdict?;
        let criteria: Vec<Option<f64>> = self
            .definition
            .criteria
            .iter()
            .map(|c| judgment.confidence.get(&c.name).copied())
            .collect();
        let overall_confidence = judgment.overall_confidence.or_else(|| {
            criteria
                .iter()
                .copied()
                .collect::<Option<Vec<f64>>>()
                .and_then(|all| all.into_iter().reduce(f64::min))
        });
        let outcome = JudgeOutcome::Judged {
            overall: overall_confidence,
            criteria,
        };
        let draw = audit_draw(self.definition.name.as_str(), external_id);
        let routing = route(&outcome, golden, draw, &self.definition.routing);
        Some(CheckedJudgment {
            judgment,
            verdict,
            overall_confidence,
            routing,
        })
    }
}

fn check_external_id(external_id: &str, errors: &mut Vec<FieldError>) {
    if external_id.trim().is_empty() {
        errors.push(FieldError::new("external_id", "must not be empty"));
    } else if external_id.chars().count() > MAX_EXTERNAL_ID {
        errors.push(FieldError::new(
            "external_id",
            format!("is longer than {MAX_EXTERNAL_ID} characters"),
        ));
    } else if external_id.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "external_id",
            "contains control characters",
        ));
    }
}

fn schema_errors(
    validator: &jsonschema::Validator,
    instance: &Value,
    root: &str,
    errors: &mut Vec<FieldError>,
) {
    if validator.is_valid(instance) {
        return;
    }
    for error in validator.iter_errors(instance).take(5) {
        let pointer = error.instance_path().as_str().to_string();
        let path = if pointer.is_empty() {
            root.to_string()
        } else {
            format!("{root}{}", pointer.replace('/', "."))
        };
        errors.push(FieldError::new(path, shorten(&error.to_string())));
    }
}

fn shorten(message: &str) -> String {
    if message.chars().count() <= MAX_MESSAGE {
        return message.to_string();
    }
    let cut: String = message.chars().take(MAX_MESSAGE).collect();
    format!("{cut}…")
}
