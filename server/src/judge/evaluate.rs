//! `cojudge judge eval`: a candidate judge configuration (model, mode, confidence method,
//! samples, prompt) tried on the items the task's judge is measured on: reviewed items of the
//! stream (routed to people by the census below the threshold or by the audit) with a final
//! human verdict, a seeded sample of them when there are more than the limit. Its answers are stored as judgments with source `evaluation`, so the
//! agreement counters compare them with the humans exactly as they do the task's judge; items are
//! never re-routed and no verdict changes. The run is recorded in `judge_evaluations`, which the
//! metrics page lists and from which an admin can promote the candidate.

use super::assess::{AssessError, Assessor};
use super::judgment::{config_key, Outcome};
use app::db::evaluations::{self, NewEvaluation, ReviewedItem};
use app::db::judgments::{self, Provenance};
use app::domain::{ConfidenceMethod, JudgeMode, PromptOverrides, TaskDefinition};
use futures_util::{stream, StreamExt};
use serde_json::json;
use sqlx::PgPool;
use std::time::Instant;

/// What the candidate changes from the task's current judge; `None` keeps the current setting.
#[derive(Debug, Clone, Default)]
pub struct Candidate {
    pub model: Option<String>,
    pub mode: Option<JudgeMode>,
    pub confidence: Option<ConfidenceMethod>,
    pub samples: Option<u32>,
    pub prompts: Option<PromptOverrides>,
}

impl Candidate {
    /// The task's definition with the candidate's judge in place of the current one.
    pub fn apply(&self, current: &TaskDefinition, default_model: &str) -> TaskDefinition {
        let mut definition = current.clone();
        let judge = &mut definition.judge;
        judge.model = Some(
            self.model
                .clone()
                .or_else(|| judge.model.clone())
                .unwrap_or_else(|| default_model.to_string()),
        );
        judge.mode = self.mode.unwrap_or(judge.mode);
        judge.confidence = self.confidence.unwrap_or(judge.confidence);
        judge.samples = self.samples.unwrap_or(judge.samples);
        if let Some(prompts) = &self.prompts {
            definition.prompts = prompts.clone();
        }
        definition
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    pub evaluation_id: i64,
    pub candidate_config: i64,
    pub baseline_config: Option<i64>,
    /// Items judged in this run (an earlier run's answers are kept, not asked again).
    pub judged: usize,
    /// Items whose answers could not be read or whose calls failed.
    pub errors: usize,
    /// The current judge and the candidate as people name them: model and mode.
    pub baseline_label: String,
    pub candidate_label: String,
}

/// Which items a run judges: at most `limit`, drawn in an order seeded by `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalSample {
    pub limit: i64,
    pub seed: i64,
}

/// Runs `candidate` on a sample of the items `task`'s judge is measured on, `concurrency` at a
/// time.
pub async fn evaluate(
    pool: &PgPool,
    assessor: &Assessor,
    prices: Option<(f64, f64)>,
    task: &str,
    candidate: &Candidate,
    sample: EvalSample,
    concurrency: usize,
) -> anyhow::Result<EvalReport> {
    let (task_id, rubric_version, current) = app::db::tasks::current_definition(pool, task)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("there is no task called `{task}` (see `cojudge task list`)")
        })?;
    let baseline = config_key(task_id, &current, rubric_version, &assessor.model);
    let baseline_config = judgments::find_judge_config(pool, &baseline).await?;
    let definition = candidate.apply(&current, &assessor.model);
    let model = definition.judge.model.clone().unwrap_or_default();
    let key = config_key(task_id, &definition, rubric_version, &model);
    let settings = json!({ "samples": definition.judge.samples, "evaluation": true });
    let candidate_config = judgments::judge_config(pool, &key, &settings).await?;
    let run = NewEvaluation {
        task_id,
        judge_config_id: candidate_config,
        baseline_config_id: baseline_config,
        judge: &serde_json::to_value(&definition.judge)?,
        prompts: &serde_json::to_value(&definition.prompts)?,
        rubric_version,
    };
    let evaluation_id = evaluations::start(pool, &run).await?;
    let items = evaluations::unjudged_reviewed_items(
        pool,
        task_id,
        baseline_config,
        candidate_config,
        sample.limit,
        sample.seed,
    )
    .await?;
    let assessor = Assessor {
        model,
        ..assessor.clone()
    };
    let provenance = Provenance {
        judge_config_id: candidate_config,
        rubric_version,
        prices,
    };
    let results: Vec<anyhow::Result<bool>> = stream::iter(items)
        .map(|ReviewedItem { id: item_id, context, output }| {
            let (assessor, definition, provenance) = (&assessor, &definition, &provenance);
            async move {
                let started = Instant::now();
                let outcome = assessor.assess(definition, &context, &output).await;
                let ok = outcome.is_ok();
                match &outcome {
                    Ok(assessment) => {
                        let judged = Outcome::Judged(assessment);
                        judgments::record_evaluation(pool, item_id, provenance, &judged.row(started.elapsed()))
                            .await?
                    }
                    Err(AssessError::Unreadable { message, usage }) => {
                        let unreadable = Outcome::Unreadable { message, usage: *usage };
                        judgments::record_evaluation(pool, item_id, provenance, &unreadable.row(started.elapsed()))
                            .await?
                    }
                    Err(AssessError::Endpoint(error)) => {
                        tracing::warn!(item_id, %error, "candidate judge call failed; the item is left out of this run");
                    }
                }
                Ok(ok)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut judged = 0;
    let mut errors = 0;
    for result in results {
        judged += 1;
        if !result? {
            errors += 1;
        }
    }
    evaluations::finish(pool, evaluation_id, judged as i32, errors as i32).await?;
    Ok(EvalReport {
        evaluation_id,
        candidate_config,
        baseline_config,
        judged,
        errors,
        baseline_label: format!("{} {}", baseline.model, baseline.mode),
        candidate_label: format!("{} {}", key.model, key.mode),
    })
}
