//! Candidate-judge evaluations (`cojudge judge eval`): a run's record in `judge_evaluations`,
//! and the reviewed items a candidate is tried on. The candidate's judgments are recorded by
//! `judgments::record_evaluation`.

use serde_json::Value;
use sqlx::PgPool;

/// A new evaluation run, before any item is judged.
#[derive(Debug, Clone)]
pub struct NewEvaluation<'a> {
    pub task_id: i64,
    pub judge_config_id: i64,
    /// The task's current judge configuration, if it ever judged.
    pub baseline_config_id: Option<i64>,
    /// The candidate's judge settings and prompt overrides, as promoting it would write them.
    pub judge: &'a Value,
    pub prompts: &'a Value,
    pub rubric_version: i32,
}

/// Records the start of a run; returns its id.
pub async fn start(pool: &PgPool, run: &NewEvaluation<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO judge_evaluations (task_id, judge_config_id, baseline_config_id, judge, prompts, rubric_version)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        run.task_id,
        run.judge_config_id,
        run.baseline_config_id,
        run.judge,
        run.prompts,
        run.rubric_version
    )
    .fetch_one(pool)
    .await
}

/// Records the end of run `id`: items judged and how many of them failed.
pub async fn finish(pool: &PgPool, id: i64, items: i32, errors: i32) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE judge_evaluations SET items = $2, errors = $3, finished_at = now() WHERE id = $1",
        id,
        items,
        errors
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// An item a candidate is tried on.
#[derive(Debug, Clone)]
pub struct ReviewedItem {
    pub id: i64,
    pub context: Value,
    pub output: Value,
}

/// Up to `limit` items the current judge's stream-wide figures are computed on (reviewed
/// items routed to people by the census or the audit, with an agreement pair of `current`; of
/// any configuration when there is no current judge) that `candidate` has not judged yet, in
/// an order drawn from `seed`: a seeded sample when `limit` is smaller than the set.
pub async fn unjudged_reviewed_items(
    pool: &PgPool,
    task_id: i64,
    current: Option<i64>,
    candidate: i64,
    limit: i64,
    seed: i64,
) -> Result<Vec<ReviewedItem>, sqlx::Error> {
    sqlx::query_as!(
        ReviewedItem,
        "SELECT i.id, i.context, i.output
         FROM items i
         WHERE i.task_id = $1
           AND EXISTS (SELECT 1 FROM agreement_pairs p
                       WHERE p.item_id = i.id AND p.stream_weight > 0
                         AND ($2::bigint IS NULL OR p.judge_config_id = $2))
           AND NOT EXISTS (SELECT 1 FROM judgments j WHERE j.item_id = i.id AND j.judge_config_id = $3)
         ORDER BY md5(i.id::text || ':' || $5::bigint::text), i.id
         LIMIT $4",
        task_id,
        current,
        candidate,
        limit,
        seed
    )
    .fetch_all(pool)
    .await
}
