//! The judge worker's Prometheus metrics: one observation per assessed item (see
//! `observability` for the names).

use super::assess::{AssessError, Assessment};
use std::time::Duration;

/// Records one assessment of an item of `task` that took `elapsed`.
pub fn observe(task: &str, result: &Result<Assessment, AssessError>, elapsed: Duration) {
    let (outcome, usage) = match result {
        Ok(assessment) => ("judged", Some(assessment.usage)),
        Err(AssessError::Unreadable { usage, .. }) => ("unreadable", Some(*usage)),
        Err(AssessError::Endpoint(_)) => ("endpoint_error", None),
    };
    let task = task.to_owned();
    metrics::counter!("cojudge_judge_calls_total", "task" => task.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("cojudge_judge_call_duration_seconds", "task" => task.clone())
        .record(elapsed.as_secs_f64());
    if let Some(usage) = usage {
        metrics::counter!("cojudge_judge_tokens_total", "task" => task.clone(), "kind" => "prompt")
            .increment(u64::from(usage.prompt_tokens));
        metrics::counter!("cojudge_judge_tokens_total", "task" => task, "kind" => "completion")
            .increment(u64::from(usage.completion_tokens));
    }
}
