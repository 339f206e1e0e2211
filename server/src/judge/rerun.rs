//! `cojudge judge rerun`: puts a task's judged items back in the judge queue, so the worker judges
//! them under the current configuration (model, prompt, rubric) and routes them anew.
//!
//! Items a human has annotated or holds keep their state and verdict: their labels are the ground
//! truth the judge is measured against. A re-queued item loses its judge verdict (a new one comes
//! with the new judgment); its earlier judgments and routing decisions stay as history.

use sqlx::PgPool;

/// Which items to re-judge.
#[derive(Debug, Clone, Default)]
pub struct RerunFilter {
    pub batch: Option<String>,
    /// Item states to include; empty means human_review, done and failed.
    pub states: Vec<String>,
    /// Only items last judged or imported before this instant.
    pub before: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a rerun did (or would do, on a dry run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RerunReport {
    pub queued: u64,
    pub kept_human_reviewed: u64,
}

const RERUNNABLE_STATES: [&str; 3] = ["human_review", "done", "failed"];

/// Re-queues the matching items of `task_id` in one transaction and wakes the workers.
pub async fn rerun(
    pool: &PgPool,
    task_id: i64,
    filter: &RerunFilter,
    dry_run: bool,
) -> anyhow::Result<RerunReport> {
    for state in &filter.states {
        anyhow::ensure!(
            RERUNNABLE_STATES.contains(&state.as_str()),
            "--state {state}: only {} items can be re-judged",
            RERUNNABLE_STATES.join(", ")
        );
    }
    let states: Vec<String> = if filter.states.is_empty() {
        RERUNNABLE_STATES.iter().map(|s| s.to_string()).collect()
    } else {
        filter.states.clone()
    };
    let mut tx = pool.begin().await?;
    sqlx::query(
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
    )
    .bind(task_id)
    .bind(&states)
    .bind(&filter.batch)
    .bind(filter.before)
    .execute(&mut *tx)
    .await?;
    let (queued, kept): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE NOT human), count(*) FILTER (WHERE human) FROM rerun_candidates",
    )
    .fetch_one(&mut *tx)
    .await?;
    let report = RerunReport {
        queued: queued as u64,
        kept_human_reviewed: kept as u64,
    };
    if dry_run || queued == 0 {
        tx.rollback().await?;
        return Ok(report);
    }
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
    app::server::db::audit::record(
        &mut tx,
        app::server::db::audit::Entry {
            actor: app::server::db::audit::Actor::Other("cli"),
            action: "items.rejudge_queued",
            target_type: "task",
            target_id: task_id.to_string(),
            details: serde_json::json!({
                "queued": queued,
                "kept_human_reviewed": kept,
                "batch": filter.batch,
                "states": states,
                "before": filter.before,
            }),
        },
    )
    .await?;
    sqlx::query("SELECT pg_notify('cojudge_items', $1::text)")
        .bind(task_id.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(report)
}
