//! What the judge's work is recorded as: an assessment (or the reason its answers could not be
//! read) turned into a judgment row, and the judge configuration a judgment belongs to. The
//! statements that record them are `app::db::queue::judge`'s.

use super::assess::{Assessment, Usage};
use app::db::judgments::{JudgeConfigKey, JudgmentRow, TokenUsage};
use app::domain::{ConfidenceMethod, JudgeMode, TaskDefinition};
use serde_json::{json, Value};
use std::time::Duration;

/// The judgment to record: an assessment, or the reason the answers were unreadable.
pub enum Outcome<'a> {
    Judged(&'a Assessment),
    Unreadable { message: &'a str, usage: Usage },
}

impl<'a> Outcome<'a> {
    /// The judgment's row, the judge having taken `latency`.
    pub fn row(&self, latency: Duration) -> JudgmentRow<'a> {
        match *self {
            Outcome::Judged(assessment) => JudgmentRow {
                criteria: Some(criteria_json(assessment)),
                labels: Some(labels_json(assessment)),
                qualified: Some(assessment.verdict.qualified),
                grade: Some(assessment.verdict.grade.as_str()),
                confidence: assessment.overall_confidence,
                error: None,
                usage: token_usage(assessment.usage),
                latency,
            },
            Outcome::Unreadable { message, usage } => JudgmentRow {
                criteria: None,
                labels: None,
                qualified: None,
                grade: None,
                confidence: None,
                error: Some(message),
                usage: token_usage(usage),
                latency,
            },
        }
    }
}

fn token_usage(usage: Usage) -> TokenUsage {
    TokenUsage {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        attempts: usage.attempts,
    }
}

/// Per criterion: `{label, confidence, rationale}`.
fn criteria_json(assessment: &Assessment) -> Value {
    Value::Object(
        assessment
            .criteria
            .iter()
            .map(|(name, judged)| {
                (
                    name.clone(),
                    json!({
                        "label": judged.label,
                        "confidence": judged.confidence,
                        "rationale": judged.rationale,
                    }),
                )
            })
            .collect(),
    )
}

/// Per criterion: the label alone (the judge's verdict, when the item is auto-accepted).
fn labels_json(assessment: &Assessment) -> Value {
    Value::Object(
        assessment
            .criteria
            .iter()
            .map(|(name, judged)| (name.clone(), Value::String(judged.label.clone())))
            .collect(),
    )
}

/// The configuration that judges `definition` (at `rubric_version`) with `model`.
pub fn config_key(
    task_id: i64,
    definition: &TaskDefinition,
    rubric_version: i32,
    model: &str,
) -> JudgeConfigKey {
    JudgeConfigKey {
        task_id,
        model: model.to_string(),
        prompt_version: super::prompt::prompt_version(definition, rubric_version),
        rubric_version,
        mode: match definition.judge.mode {
            JudgeMode::Single => "single",
            JudgeMode::PerCriterion => "per_criterion",
        },
        confidence_method: match definition.judge.confidence {
            ConfidenceMethod::Logprobs => "logprobs",
            ConfidenceMethod::SelfConsistency => "self_consistency",
        },
    }
}
