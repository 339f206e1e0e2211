//! Putting a task's judged items back in the judge queue (`cojudge judge rerun`), in one
//! transaction: items a human has annotated or holds, or with a human verdict, keep their state
//! and verdict; the others lose their judge verdict and review slots and are queued, and the
//! workers are woken.

use super::audit::{self, Actor, Entry};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The items of a task to re-judge.
#[derive(Debug, Clone)]
pub struct RerunSelection<'a> {
    pub task_id: i64,
    /// Item states included (checked by the caller).
    pub states: &'a [String],
    pub batch: Option<&'a str>,
    /// Only items last judged or imported before this instant.
    pub before: Option<DateTime<Utc>>,
}

/// How many selected items were (or, on a dry run, would be) queued, and how many were kept
/// because people reviewed them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct RerunCounts {
    pub queued: i64,
    pub kept_human_reviewed: i64,
}

/// Re-queues `selection` (counts only when `dry_run`), with an audit entry by `actor`.
pub async fn requeue(
    pool: &PgPool,
    selection: &RerunSelection<'_>,
    dry_run: bool,
    actor: Actor,
) -> Result<RerunCounts, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "CREATE TEMP TABLE rerun_candidates ON COMMIT DROP AS
         SELECT i.id,
                EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.retracted_at IS NULL)
                OR EXISTS (SELECT 1 FROM review_slots s
                           WHERE s.item_id = i.id AND s.annotation_id IS NULL AND s.lease_expires_at > now())
                OR EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = i.id AND v.provenance <> 'judge')
                    AS human
         FROM items i
         WHERE i.task_id = $1 AND i.state = ANY($2)
           AND ($3::text IS NULL OR i.batch = $3)
           AND ($4::timestamptz IS NULL OR i.updated_at < $4)",
        selection.task_id,
        selection.states,
        selection.batch,
        selection.before
    )
    .execute(&mut *tx)
    .await?;
    // Prepared at run time: it reads the temporary table made above, which the compile-time
    // check cannot see.
    let counts: RerunCounts = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE NOT human) AS queued,
                count(*) FILTER (WHERE human) AS kept_human_reviewed
         FROM rerun_candidates",
    )
    .fetch_one(&mut *tx)
    .await?;
    let RerunCounts {
        queued,
        kept_human_reviewed,
    } = counts;
    if dry_run || queued == 0 {
        tx.rollback().await?;
        return Ok(counts);
    }
    // Prepared at run time: it reads the temporary table made above, which the compile-time
    // check cannot see.
    sqlx::query(
        "WITH chosen AS (SELECT id FROM rerun_candidates WHERE NOT human),
              dropped AS (DELETE FROM verdicts v USING chosen c WHERE v.item_id = c.id AND v.provenance = 'judge'),
              unslotted AS (DELETE FROM review_slots s USING chosen c WHERE s.item_id = c.id)
         UPDATE items i SET state = 'queued', judge_attempts = 0, judge_abandoned = 0, judge_retaken = false,
                            judge_error = NULL, judge_not_before = NULL,
                            lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
         FROM chosen c WHERE i.id = c.id",
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Entry {
            actor,
            action: "items.rejudge_queued",
            target_type: "task",
            target_id: selection.task_id.to_string(),
            details: serde_json::json!({
                "queued": queued,
                "kept_human_reviewed": kept_human_reviewed,
                "batch": selection.batch,
                "states": selection.states,
                "before": selection.before,
            }),
        },
    )
    .await?;
    sqlx::query!(
        "SELECT pg_notify('cojudge_items', $1::text)",
        selection.task_id.to_string()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(counts)
}
