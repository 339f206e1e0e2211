//! `cojudge judge eval`: a candidate judge configuration (model, mode, confidence method,
//! samples, prompt) tried on a task's unbiased reviewed items: audit and golden items with a
//! final human verdict. Its answers are stored as judgments with source `evaluation`, so the
//! agreement counters compare them with the humans exactly as they do the task's judge; items are
//! never re-routed and no verdict changes. The run is recorded in `judge_evaluations`, which the
//! metrics page lists and from which an admin can promote the candidate.

use super::assess::{AssessError, Assessor};
use super::queue::{self, JudgeConfigKey, Outcome, Provenance};
use app::domain::{ConfidenceMethod, JudgeMode, PromptOverrides, TaskDefinition};
use futures_util::{stream, StreamExt};
use serde_json::{json, Value};
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
}

/// Runs `candidate` on up to `limit` unbiased reviewed items of `task`, `concurrency` at a time.
pub async fn evaluate(
    pool: &PgPool,
    assessor: &Assessor,
    prices: Option<(f64, f64)>,
    task: &str,
    candidate: &Candidate,
    limit: i64,
    concurrency: usize,
) -> anyhow::Result<EvalReport> {
    let (task_id, rubric_version, current) = app::server::db::tasks::current_definition(pool, task)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("there is no task called `{task}` (see `cojudge task list`)")
        })?;
    let baseline = JudgeConfigKey::for_task(task_id, &current, rubric_version, &assessor.model);
    let baseline_config = queue::find_judge_config(pool, &baseline).await?;
    let definition = candidate.apply(&current, &assessor.model);
    let model = definition.judge.model.clone().unwrap_or_default();
    let key = JudgeConfigKey::for_task(task_id, &definition, rubric_version, &model);
    let settings = json!({ "samples": definition.judge.samples, "evaluation": true });
    let candidate_config = queue::judge_config(pool, &key, &settings).await?;
    let evaluation_id: i64 = sqlx::query_scalar(
        "INSERT INTO judge_evaluations (task_id, judge_config_id, baseline_config_id, judge, prompts, rubric_version)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(task_id)
    .bind(candidate_config)
    .bind(baseline_config)
    .bind(serde_json::to_value(&definition.judge)?)
    .bind(serde_json::to_value(&definition.prompts)?)
    .bind(rubric_version)
    .fetch_one(pool)
    .await?;
    let items = unjudged_reviewed_items(pool, task_id, candidate_config, limit).await?;
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
        .map(|(item_id, context, output)| {
            let (assessor, definition, provenance) = (&assessor, &definition, &provenance);
            async move {
                let started = Instant::now();
                let outcome = assessor.assess(definition, &context, &output).await;
                let ok = outcome.is_ok();
                match &outcome {
                    Ok(assessment) => {
                        let judged = Outcome::Judged(assessment);
                        queue::record_evaluation(pool, item_id, provenance, judged, started.elapsed())
                            .await?
                    }
                    Err(AssessError::Unreadable { message, usage }) => {
                        let unreadable = Outcome::Unreadable { message, usage: *usage };
                        queue::record_evaluation(pool, item_id, provenance, unreadable, started.elapsed())
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
    sqlx::query(
        "UPDATE judge_evaluations SET items = $2, errors = $3, finished_at = now() WHERE id = $1",
    )
    .bind(evaluation_id)
    .bind(judged as i32)
    .bind(errors as i32)
    .execute(pool)
    .await?;
    Ok(EvalReport {
        evaluation_id,
        candidate_config,
        baseline_config,
        judged,
        errors,
    })
}

/// Audit and golden items of the task with a final human verdict that `config` has not judged.
async fn unjudged_reviewed_items(
    pool: &PgPool,
    task_id: i64,
    config: i64,
    limit: i64,
) -> Result<Vec<(i64, Value, Value)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.id, i.context, i.output
         FROM items i
         JOIN verdicts v ON v.item_id = i.id AND v.provenance IN ('human', 'adjudicated')
         LEFT JOIN LATERAL (SELECT r.reason FROM routing_decisions r
                            WHERE r.item_id = i.id ORDER BY r.id DESC LIMIT 1) d ON true
         WHERE i.task_id = $1
           AND (i.golden IS NOT NULL OR d.reason IN ('audit', 'golden'))
           AND NOT EXISTS (SELECT 1 FROM judgments j WHERE j.item_id = i.id AND j.judge_config_id = $2)
         ORDER BY i.id
         LIMIT $3",
    )
    .bind(task_id)
    .bind(config)
    .bind(limit)
    .fetch_all(pool)
    .await
}
