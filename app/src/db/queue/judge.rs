//! The judge queue: items wait in `items` (state `queued`), a worker claims a batch under a
//! lease (`FOR UPDATE SKIP LOCKED`, no transaction held while the LLM works), renews it while it
//! judges, and finishes each item by recording its judgment with the routing decision; or backs
//! off (`retry_later`), gives up (`fail`) or hands its items back (`release`, at shutdown). The
//! worker (`server/src/judge/worker.rs`) drives it; the lease words are [`super`]'s.
//!
//! Recording is idempotent: a judgment is unique per (item, judge configuration), and it is only
//! routed while the item is still `judging`, so a worker whose lease lapsed and another that took
//! the item over can both finish without double-counting anything.

use crate::db::judgments::{JudgmentRow, Provenance};
use crate::domain::{Route, RoutingDecision};
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// An item a worker holds under its lease.
#[derive(Debug, Clone)]
pub struct ClaimedItem {
    pub id: i64,
    pub task_id: i64,
    pub external_id: String,
    pub context: Value,
    pub output: Value,
    pub golden: bool,
    /// Attempts so far, this one included: claims from the queue (a first try, or a retry after
    /// the endpoint failed). Taking over a lapsed lease continues the same attempt.
    pub attempts: i32,
    /// Times a worker stopped while judging the item (its lease lapsed and it was taken over).
    pub abandoned: i32,
    /// The task's rubric version at the claim.
    pub rubric_version: i32,
}

/// Claims up to `limit` waiting items (or items whose lease lapsed), oldest first.
pub async fn claim(
    pool: &PgPool,
    worker: Uuid,
    limit: i64,
    lease: Duration,
) -> Result<Vec<ClaimedItem>, sqlx::Error> {
    let mut items = sqlx::query_as!(
        ClaimedItem,
        r#"WITH next AS (
             SELECT id FROM items
             WHERE (state = 'queued' AND (judge_not_before IS NULL OR judge_not_before <= now()))
                OR (state = 'judging' AND lease_expires_at < now())
             ORDER BY id
             LIMIT $2
             FOR UPDATE SKIP LOCKED)
         UPDATE items i
         SET state = 'judging', lease_owner = $1, lease_expires_at = now() + make_interval(secs => $3),
             judge_attempts = i.judge_attempts + (i.state = 'queued')::int,
             judge_abandoned = i.judge_abandoned + (i.state = 'judging')::int,
             judge_retaken = (i.state = 'judging'), updated_at = now()
         FROM next WHERE i.id = next.id
         RETURNING i.id, i.task_id, i.external_id, i.context, i.output, i.golden IS NOT NULL AS "golden!",
                   i.judge_attempts AS attempts, i.judge_abandoned AS abandoned,
                   (SELECT t.current_rubric FROM tasks t WHERE t.id = i.task_id) AS "rubric_version!""#,
        worker,
        limit,
        lease.as_secs_f64(),
    )
    .fetch_all(pool)
    .await?;
    items.sort_by_key(|item| item.id);
    Ok(items)
}

/// Extends the leases of the items this worker is still working on (its heartbeat); returns how
/// many it still holds.
pub async fn renew(
    pool: &PgPool,
    worker: Uuid,
    items: &[i64],
    lease: Duration,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query!(
        "UPDATE items SET lease_expires_at = now() + make_interval(secs => $3)
         WHERE state = 'judging' AND lease_owner = $1 AND id = ANY($2)",
        worker,
        items,
        lease.as_secs_f64(),
    )
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

/// What became of a judged item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The judgment and routing decision were written.
    Routed,
    /// The item had already moved on (another worker finished it first): nothing was written.
    Stale,
}

/// Records `judgment`, the routing decision and, when auto-accepted, the judge's verdict, and
/// moves the item on: one statement, so one round trip and one atomic commit. The item row is
/// locked first; if it is no longer `judging` (another worker finished it), nothing is written.
pub async fn record(
    pool: &PgPool,
    item: &ClaimedItem,
    provenance: &Provenance,
    judgment: &JudgmentRow<'_>,
    routing: &RoutingDecision,
) -> Result<Recorded, sqlx::Error> {
    let auto = routing.route == Route::Auto;
    // The judge's verdict is written only when the item is auto-accepted.
    let verdict_labels = judgment.labels.as_ref().filter(|_| auto);
    let recorded = sqlx::query_scalar!(
        "WITH item AS (
             SELECT id FROM items WHERE id = $1 AND state = 'judging' FOR UPDATE),
         inserted AS (
             INSERT INTO judgments (item_id, judge_config_id, source, criteria, qualified, grade, confidence,
                                    error, attempts, prompt_tokens, completion_tokens, latency_ms, cost_usd)
             SELECT id, $2, 'online', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::float8::numeric FROM item
             ON CONFLICT (item_id, judge_config_id) DO NOTHING
             RETURNING id),
         judgment AS (
             SELECT id FROM inserted
             UNION ALL
             SELECT j.id FROM judgments j JOIN item ON j.item_id = item.id
             WHERE j.judge_config_id = $2 AND NOT EXISTS (SELECT 1 FROM inserted)),
         routed AS (
             INSERT INTO routing_decisions (item_id, judgment_id, route, reason, threshold, audit_draw,
                                            annotations_required, inclusion_probability)
             SELECT $1, id, $13, $14, $15, $16, $17, $22 FROM judgment),
         accepted AS (
             INSERT INTO verdicts (item_id, criteria, qualified, grade, provenance, judgment_id, rubric_version)
             SELECT $1, $18, $4, $5, 'judge', id, $19 FROM judgment WHERE $18::jsonb IS NOT NULL
             ON CONFLICT (item_id) DO UPDATE
             SET criteria = excluded.criteria, qualified = excluded.qualified, grade = excluded.grade,
                 judgment_id = excluded.judgment_id, rubric_version = excluded.rubric_version, updated_at = now()
             WHERE verdicts.provenance = 'judge'),
         slots AS (
             INSERT INTO review_slots (item_id, task_id, purpose, priority)
             SELECT $1, $21, 'annotate', review_priority($14, $16, $6)
             FROM judgment, generate_series(1, $17) WHERE $13 = 'human')
         UPDATE items SET state = $20, lease_owner = NULL, lease_expires_at = NULL, judge_error = NULL,
                          judge_not_before = NULL, updated_at = now()
         WHERE id IN (SELECT id FROM item)
         RETURNING id",
        item.id,
        provenance.judge_config_id,
        judgment.criteria.clone(),
        judgment.qualified,
        judgment.grade,
        judgment.confidence,
        judgment.error,
        judgment.attempts(),
        judgment.usage.prompt_tokens as i32,
        judgment.usage.completion_tokens as i32,
        judgment.latency_ms(),
        provenance.cost(&judgment.usage),
        if auto { "auto" } else { "human" },
        routing.reason.as_str(),
        routing.threshold,
        routing.audit_draw,
        routing.annotations_required as i32,
        verdict_labels,
        provenance.rubric_version,
        if auto { "done" } else { "human_review" },
        item.task_id,
        routing.inclusion_probability,
    )
    .fetch_optional(pool)
    .await?;
    Ok(match recorded {
        Some(_) => Recorded::Routed,
        None => Recorded::Stale,
    })
}

/// Puts an item this worker holds back in the queue, not to be claimed before `delay` passes.
pub async fn retry_later(
    pool: &PgPool,
    item_id: i64,
    worker: Uuid,
    error: &str,
    delay: Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE items SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, judge_error = $3,
                          judge_not_before = now() + make_interval(secs => $4), updated_at = now()
         WHERE id = $1 AND state = 'judging' AND lease_owner = $2",
        item_id,
        worker,
        error,
        delay.as_secs_f64(),
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Gives up on an item this worker holds: state `failed`, with the last error.
pub async fn fail(
    pool: &PgPool,
    item_id: i64,
    worker: Uuid,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE items SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL, judge_error = $3,
                          updated_at = now()
         WHERE id = $1 AND state = 'judging' AND lease_owner = $2",
        item_id,
        worker,
        error,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Hands back every item this worker still holds (at shutdown), undoing what the claim counted.
pub async fn release(pool: &PgPool, worker: Uuid) -> Result<u64, sqlx::Error> {
    let result = sqlx::query!(
        "UPDATE items SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                          judge_attempts = greatest(judge_attempts - (NOT judge_retaken)::int, 0),
                          judge_abandoned = greatest(judge_abandoned - judge_retaken::int, 0),
                          judge_retaken = false, updated_at = now()
         WHERE state = 'judging' AND lease_owner = $1",
        worker,
    )
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

/// With no judge configured: sends up to `limit` waiting items straight to humans with reason
/// `no_judge`, in one statement. Returns how many.
pub async fn route_unjudged(pool: &PgPool, limit: i64) -> Result<u64, sqlx::Error> {
    let result = sqlx::query!(
        "WITH next AS (
             SELECT i.id, i.task_id, coalesce((r.definition #>> '{routing,annotations_per_item}')::int, 1) AS annotations,
                    coalesce((r.definition #>> '{routing,confidence_threshold}')::float8, 0.8) AS threshold
             FROM items i
             JOIN tasks t ON t.id = i.task_id
             JOIN rubrics r ON r.task_id = t.id AND r.version = t.current_rubric
             WHERE i.state = 'queued' OR (i.state = 'judging' AND i.lease_expires_at < now())
             ORDER BY i.id
             LIMIT $1
             FOR UPDATE OF i SKIP LOCKED),
         routed AS (
             INSERT INTO routing_decisions (item_id, route, reason, threshold, annotations_required,
                                            inclusion_probability)
             SELECT id, 'human', 'no_judge', threshold, annotations, 1 FROM next),
         slots AS (
             INSERT INTO review_slots (item_id, task_id, purpose)
             SELECT n.id, n.task_id, 'annotate' FROM next n, generate_series(1, greatest(n.annotations, 1)))
         UPDATE items i SET state = 'human_review', lease_owner = NULL, lease_expires_at = NULL,
                            judge_not_before = NULL, updated_at = now()
         FROM next WHERE i.id = next.id",
        limit,
    )
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

/// Items waiting, leased or backing off.
pub async fn pending(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM items WHERE state IN ('queued', 'judging')"#
    )
    .fetch_one(pool)
    .await
}
