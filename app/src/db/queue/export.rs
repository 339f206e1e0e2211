//! The export job queue: jobs wait in `exports` (state `queued`, origin `api` or `web`), a runner
//! in any web or worker process claims the oldest under a lease (`FOR UPDATE SKIP LOCKED`),
//! renews it with its progress while it writes, and finishes or fails it; at shutdown it
//! releases the job so another runner starts it again. The lease words are [`super`]'s.
//! `server/src/export/jobs.rs` drives it.

use crate::domain::ExportSpec;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// A job a runner has claimed.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub id: i64,
    pub spec: ExportSpec,
    pub as_of: DateTime<Utc>,
    pub attempts: i32,
}

/// Claims the oldest waiting job, or one whose runner's lease lapsed.
pub async fn claim(
    pool: &PgPool,
    owner: Uuid,
    lease: Duration,
) -> sqlx::Result<Option<ClaimedJob>> {
    let row = sqlx::query!(
        r#"UPDATE exports e
            SET state = 'running', lease_owner = $1,
                lease_expires_at = now() + make_interval(secs => $2),
                attempts = e.attempts + 1, started_at = coalesce(e.started_at, now())
          WHERE e.id = (SELECT id FROM exports
                         WHERE origin <> 'cli'
                           AND (state = 'queued'
                                OR (state = 'running' AND lease_expires_at < now()))
                         ORDER BY id
                         FOR UPDATE SKIP LOCKED
                         LIMIT 1)
      RETURNING e.id, e.spec AS "spec: Json<ExportSpec>", e.as_of, e.attempts"#,
        owner,
        lease.as_secs_f64(),
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| ClaimedJob {
        id: row.id,
        spec: row.spec.0,
        as_of: row.as_of,
        attempts: row.attempts,
    }))
}

/// Renews a runner's lease and records its progress; false when the job is no longer its own.
pub async fn renew(
    pool: &PgPool,
    id: i64,
    owner: Uuid,
    lease: Duration,
    rows_written: u64,
    rows_expected: u64,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        "UPDATE exports
            SET lease_expires_at = now() + make_interval(secs => $3),
                rows_written = $4, rows_expected = $5
          WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
        id,
        owner,
        lease.as_secs_f64(),
        rows_written as i64,
        rows_expected as i64,
    )
    .execute(pool)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Marks an export done with its manifest; false when it was not running under `owner` (a
/// CLI export has no owner).
pub async fn finish(
    pool: &PgPool,
    id: i64,
    owner: Option<Uuid>,
    rows: u64,
    manifest: &serde_json::Value,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        "UPDATE exports
            SET state = 'done', manifest = $3, rows_written = $4, finished_at = now(),
                lease_owner = NULL, lease_expires_at = NULL, error = NULL
          WHERE id = $1 AND state = 'running' AND lease_owner IS NOT DISTINCT FROM $2",
        id,
        owner,
        manifest,
        rows as i64,
    )
    .execute(pool)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Marks an export failed with a message for the person who asked.
pub async fn fail(pool: &PgPool, id: i64, owner: Option<Uuid>, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE exports
            SET state = 'failed', error = $3, finished_at = now(),
                lease_owner = NULL, lease_expires_at = NULL
          WHERE id = $1 AND state = 'running' AND lease_owner IS NOT DISTINCT FROM $2",
        id,
        owner,
        error,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Hands a job back (shutdown before it finished): another runner starts it again.
pub async fn release(pool: &PgPool, id: i64, owner: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE exports SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                rows_written = 0
          WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
        id,
        owner,
    )
    .execute(pool)
    .await?;
    Ok(())
}
