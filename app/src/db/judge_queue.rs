//! The judge queue in Postgres: claiming items under a lease (`FOR UPDATE SKIP LOCKED`, no
//! transaction held while the LLM works), recording a judgment with its routing decision,
//! backing off or failing an item, handing leases back, and the judge configurations judgments
//! are recorded under. The worker (`server/src/judge/worker.rs`) drives it.
//!
//! Recording is idempotent: a judgment is unique per (item, judge configuration), and it is only
//! routed while the item is still `judging`, so a worker whose lease lapsed and another that took
//! the item over can both finish without double-counting anything.

use crate::domain::{Route, RoutingDecision};
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// An item a worker holds under its lease.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedItem {
    pub id: i64,
    pub task_id: i64,
    pub external_id: String,
    pub context: Value,
    pub output: Value,
    pub golden: bool,
    /// Attempts so far, this one included: claims from the queue (a first try, or a retry after
    /// the endpoint failed). Taking over a lapsed lease continues the same attempt.
    #[sqlx(rename = "judge_attempts")]
    pub attempts: i32,
    /// Times a worker stopped while judging the item (its lease lapsed and it was taken over).
    #[sqlx(rename = "judge_abandoned")]
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
    let mut items: Vec<ClaimedItem> = sqlx::query_as(
        "WITH next AS (
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
         RETURNING i.id, i.task_id, i.external_id, i.context, i.output, i.golden IS NOT NULL AS golden,
                   i.judge_attempts, i.judge_abandoned, (SELECT t.current_rubric FROM tasks t WHERE t.id = i.task_id) AS rubric_version",
    )
    .bind(worker)
    .bind(limit)
    .bind(lease.as_secs_f64())
    .fetch_all(pool)
    .await?;
    items.sort_by_key(|item| item.id);
    Ok(items)
}

/// What became of a judged item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The judgment and routing decision were written.
    Routed,
    /// The item had already moved on (another worker finished it first): nothing was written.
    Stale,
}

/// The judge configuration and prices a judgment is recorded under.
#[derive(Debug, Clone, Copy)]
pub struct Provenance {
    pub judge_config_id: i64,
    pub rubric_version: i32,
    /// USD per million prompt and completion tokens, when configured.
    pub prices: Option<(f64, f64)>,
}

impl Provenance {
    fn cost(&self, usage: &TokenUsage) -> Option<f64> {
        self.prices.map(|(prompt, completion)| {
            (usage.prompt_tokens as f64 * prompt + usage.completion_tokens as f64 * completion)
                / 1_000_000.0
        })
    }
}

/// Tokens and HTTP attempts a judgment spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub attempts: u32,
}

/// A judgment's columns: the judge's answer read (labels with confidence and rationale per
/// criterion, verdict, grade), or the reason its answers were unreadable.
#[derive(Debug, Clone)]
pub struct JudgmentRow<'a> {
    /// Per criterion: `{label, confidence, rationale}`; `None` when unreadable.
    pub criteria: Option<Value>,
    /// Per criterion: the label alone, the judge's verdict if the item is auto-accepted.
    pub labels: Option<Value>,
    pub qualified: Option<bool>,
    pub grade: Option<&'a str>,
    pub confidence: Option<f64>,
    /// Why the answers could not be read.
    pub error: Option<&'a str>,
    pub usage: TokenUsage,
    pub latency: Duration,
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
    let query = sqlx::query_scalar(
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
                                            annotations_required)
             SELECT $1, id, $13, $14, $15, $16, $17 FROM judgment),
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
    );
    let recorded: Option<i64> = bind_judgment(query, item.id, provenance, judgment)
        .bind(if auto { "auto" } else { "human" })
        .bind(routing.reason.as_str())
        .bind(routing.threshold)
        .bind(routing.audit_draw)
        .bind(routing.annotations_required as i32)
        .bind(verdict_labels)
        .bind(provenance.rubric_version)
        .bind(if auto { "done" } else { "human_review" })
        .bind(item.task_id)
        .fetch_optional(pool)
        .await?;
    Ok(match recorded {
        Some(_) => Recorded::Routed,
        None => Recorded::Stale,
    })
}

/// Records a candidate judge's answer on an item (`cojudge judge eval`): a judgment with source
/// `evaluation`, which neither routes the item nor touches its verdict. Idempotent per (item,
/// configuration).
pub async fn record_evaluation(
    pool: &PgPool,
    item_id: i64,
    provenance: &Provenance,
    judgment: &JudgmentRow<'_>,
) -> Result<(), sqlx::Error> {
    let query = sqlx::query_scalar(
        "INSERT INTO judgments (item_id, judge_config_id, source, criteria, qualified, grade, confidence,
                                error, attempts, prompt_tokens, completion_tokens, latency_ms, cost_usd)
         VALUES ($1, $2, 'evaluation', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::float8::numeric)
         ON CONFLICT (item_id, judge_config_id) DO NOTHING
         RETURNING id",
    );
    let _: Option<i64> = bind_judgment(query, item_id, provenance, judgment)
        .fetch_optional(pool)
        .await?;
    Ok(())
}

/// Binds `$1`–`$12` of a judgment insert: item, configuration, the judgment's columns, latency
/// and cost.
fn bind_judgment<'q, T>(
    query: sqlx::query::QueryScalar<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments>,
    item_id: i64,
    provenance: &Provenance,
    judgment: &JudgmentRow<'q>,
) -> sqlx::query::QueryScalar<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments> {
    query
        .bind(item_id)
        .bind(provenance.judge_config_id)
        .bind(judgment.criteria.clone())
        .bind(judgment.qualified)
        .bind(judgment.grade)
        .bind(judgment.confidence)
        .bind(judgment.error)
        .bind(judgment.usage.attempts.max(1) as i32)
        .bind(judgment.usage.prompt_tokens as i32)
        .bind(judgment.usage.completion_tokens as i32)
        .bind(judgment.latency.as_millis().min(i32::MAX as u128) as i32)
        .bind(provenance.cost(&judgment.usage))
}

/// Puts an item this worker holds back in the queue, not to be claimed before `delay` passes.
pub async fn retry_later(
    pool: &PgPool,
    item_id: i64,
    worker: Uuid,
    error: &str,
    delay: Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE items SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL, judge_error = $3,
                          judge_not_before = now() + make_interval(secs => $4), updated_at = now()
         WHERE id = $1 AND state = 'judging' AND lease_owner = $2",
    )
    .bind(item_id)
    .bind(worker)
    .bind(error)
    .bind(delay.as_secs_f64())
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
    sqlx::query(
        "UPDATE items SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL, judge_error = $3,
                          updated_at = now()
         WHERE id = $1 AND state = 'judging' AND lease_owner = $2",
    )
    .bind(item_id)
    .bind(worker)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// Hands back every item this worker still holds (at shutdown), undoing what the claim counted.
pub async fn release_all(pool: &PgPool, worker: Uuid) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE items SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                          judge_attempts = greatest(judge_attempts - (NOT judge_retaken)::int, 0),
                          judge_abandoned = greatest(judge_abandoned - judge_retaken::int, 0),
                          judge_retaken = false, updated_at = now()
         WHERE state = 'judging' AND lease_owner = $1",
    )
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

/// With no judge configured: sends up to `limit` waiting items straight to humans with reason
/// `no_judge`, in one statement. Returns how many.
pub async fn route_unjudged(pool: &PgPool, limit: i64) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
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
             INSERT INTO routing_decisions (item_id, route, reason, threshold, annotations_required)
             SELECT id, 'human', 'no_judge', threshold, annotations FROM next),
         slots AS (
             INSERT INTO review_slots (item_id, task_id, purpose)
             SELECT n.id, n.task_id, 'annotate' FROM next n, generate_series(1, greatest(n.annotations, 1)))
         UPDATE items i SET state = 'human_review', lease_owner = NULL, lease_expires_at = NULL,
                            judge_not_before = NULL, updated_at = now()
         FROM next WHERE i.id = next.id",
    )
    .bind(limit)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

/// Items waiting, leased or backing off.
pub async fn pending(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM items WHERE state IN ('queued', 'judging')")
        .fetch_one(pool)
        .await
}

/// What identifies a judge configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JudgeConfigKey {
    pub task_id: i64,
    pub model: String,
    pub prompt_version: String,
    pub rubric_version: i32,
    pub mode: &'static str,
    pub confidence_method: &'static str,
}

/// The id of the judge configuration `key`, if it was ever used.
pub async fn find_judge_config(
    pool: &PgPool,
    key: &JudgeConfigKey,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM judge_configs
         WHERE task_id = $1 AND model = $2 AND prompt_version = $3 AND mode = $4 AND confidence_method = $5",
    )
    .bind(key.task_id)
    .bind(&key.model)
    .bind(&key.prompt_version)
    .bind(key.mode)
    .bind(key.confidence_method)
    .fetch_optional(pool)
    .await
}

/// The id of the judge configuration (created when new), with `settings` recorded on creation.
pub async fn judge_config(
    pool: &PgPool,
    key: &JudgeConfigKey,
    settings: &Value,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO judge_configs (task_id, model, prompt_version, rubric_version, mode, confidence_method, settings)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (task_id, model, prompt_version, mode, confidence_method) DO NOTHING",
    )
    .bind(key.task_id)
    .bind(&key.model)
    .bind(&key.prompt_version)
    .bind(key.rubric_version)
    .bind(key.mode)
    .bind(key.confidence_method)
    .bind(settings)
    .execute(pool)
    .await?;
    find_judge_config(pool, key)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// Extends the leases of the items this worker is still working on (its heartbeat).
pub async fn renew_leases(
    pool: &PgPool,
    worker: Uuid,
    items: &[i64],
    lease: Duration,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE items SET lease_expires_at = now() + make_interval(secs => $3)
         WHERE state = 'judging' AND lease_owner = $1 AND id = ANY($2)",
    )
    .bind(worker)
    .bind(items)
    .bind(lease.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}
