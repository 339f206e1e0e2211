//! The `exports` table: one row per export (CLI runs and jobs), its spec, `as_of`, state,
//! progress and manifest. Jobs are claimed with a lease and `FOR UPDATE SKIP LOCKED`, so any
//! number of web and worker processes can run them; CLI exports are recorded but never claimed.

use crate::domain::ExportSpec;
use crate::views::exports::{ExportFile, ExportRecord};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// Who asked for an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    Cli,
    Token(i64),
    User(i64),
}

impl Requester {
    fn origin(self) -> &'static str {
        match self {
            Requester::Cli => "cli",
            Requester::Token(_) => "api",
            Requester::User(_) => "web",
        }
    }
}

/// A new export's id and the database time its rows are read up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub id: i64,
    pub as_of: DateTime<Utc>,
}

/// Records a new export: a job waiting for a runner, or (from the CLI) one already running.
/// `None` when the task does not exist.
pub async fn create(
    pool: &PgPool,
    spec: &ExportSpec,
    requester: Requester,
) -> sqlx::Result<Option<Created>> {
    let (user, token) = match requester {
        Requester::Cli => (None, None),
        Requester::Token(id) => (None, Some(id)),
        Requester::User(id) => (Some(id), None),
    };
    let state = if requester == Requester::Cli {
        "running"
    } else {
        "queued"
    };
    let row: Option<(i64, DateTime<Utc>)> = sqlx::query_as(
        "INSERT INTO exports (task_id, spec, origin, requested_by, token_id, state, started_at)
         SELECT t.id, $2, $3, $4, $5, $6, CASE WHEN $6 = 'running' THEN now() END
           FROM tasks t WHERE t.name = $1
         RETURNING id, as_of",
    )
    .bind(&spec.task)
    .bind(Json(spec))
    .bind(requester.origin())
    .bind(user)
    .bind(token)
    .bind(state)
    .fetch_optional(pool)
    .await?;
    if row.is_some() {
        sqlx::query("SELECT pg_notify('cojudge_exports', '')")
            .execute(pool)
            .await?;
    }
    Ok(row.map(|(id, as_of)| Created { id, as_of }))
}

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
    let row: Option<(i64, Json<ExportSpec>, DateTime<Utc>, i32)> = sqlx::query_as(
        "UPDATE exports e
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
      RETURNING e.id, e.spec, e.as_of, e.attempts",
    )
    .bind(owner)
    .bind(lease.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, spec, as_of, attempts)| ClaimedJob {
        id,
        spec: spec.0,
        as_of,
        attempts,
    }))
}

/// Renews a runner's lease and records progress; false when the job is no longer its own.
pub async fn heartbeat(
    pool: &PgPool,
    id: i64,
    owner: Uuid,
    lease: Duration,
    rows_written: u64,
    rows_expected: u64,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE exports
            SET lease_expires_at = now() + make_interval(secs => $3),
                rows_written = $4, rows_expected = $5
          WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(owner)
    .bind(lease.as_secs_f64())
    .bind(rows_written as i64)
    .bind(rows_expected as i64)
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
    let updated = sqlx::query(
        "UPDATE exports
            SET state = 'done', manifest = $3, rows_written = $4, finished_at = now(),
                lease_owner = NULL, lease_expires_at = NULL, error = NULL
          WHERE id = $1 AND state = 'running' AND lease_owner IS NOT DISTINCT FROM $2",
    )
    .bind(id)
    .bind(owner)
    .bind(manifest)
    .bind(rows as i64)
    .execute(pool)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Marks an export failed with a message for the person who asked.
pub async fn fail(pool: &PgPool, id: i64, owner: Option<Uuid>, error: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE exports
            SET state = 'failed', error = $3, finished_at = now(),
                lease_owner = NULL, lease_expires_at = NULL
          WHERE id = $1 AND state = 'running' AND lease_owner IS NOT DISTINCT FROM $2",
    )
    .bind(id)
    .bind(owner)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// Hands a job back (shutdown before it finished): another runner starts it again.
pub async fn release(pool: &PgPool, id: i64, owner: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE exports SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL,
                rows_written = 0
          WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: i64,
    task: String,
    spec: Json<ExportSpec>,
    origin: String,
    state: String,
    requested_by: Option<String>,
    as_of: DateTime<Utc>,
    rows_expected: Option<i64>,
    rows_written: i64,
    files: Option<Json<Vec<ExportFile>>>,
    manifest: Option<serde_json::Value>,
    error: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    files_deleted_at: Option<DateTime<Utc>>,
}

const RECORD_SELECT: &str = "
    SELECT e.id, t.name AS task, e.spec, e.origin, e.state,
           coalesce(u.display_name, tok.name) AS requested_by,
           e.as_of, e.rows_expected, e.rows_written, e.manifest -> 'files' AS files,
           e.manifest, e.error, e.created_at, e.started_at, e.finished_at, e.files_deleted_at
      FROM exports e
      JOIN tasks t ON t.id = e.task_id
      LEFT JOIN users u ON u.id = e.requested_by
      LEFT JOIN api_tokens tok ON tok.id = e.token_id";

impl From<RecordRow> for ExportRecord {
    fn from(row: RecordRow) -> ExportRecord {
        ExportRecord {
            id: row.id,
            task: row.task,
            spec: row.spec.0,
            origin: row.origin,
            state: row.state,
            requested_by: row.requested_by,
            as_of: row.as_of,
            rows_expected: row.rows_expected,
            rows_written: row.rows_written,
            files: row.files.map(|files| files.0).unwrap_or_default(),
            manifest: row.manifest,
            error: row.error,
            created_at: row.created_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
            files_deleted_at: row.files_deleted_at,
        }
    }
}

/// One export.
pub async fn get(pool: &PgPool, id: i64) -> sqlx::Result<Option<ExportRecord>> {
    let sql = format!("{RECORD_SELECT} WHERE e.id = $1");
    let row: Option<RecordRow> = sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?;
    Ok(row.map(ExportRecord::from))
}

/// The most recent exports, newest first, optionally of one task.
pub async fn list(
    pool: &PgPool,
    task: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<ExportRecord>> {
    let sql = format!(
        "{RECORD_SELECT} WHERE ($1::text IS NULL OR t.name = $1) ORDER BY e.id DESC LIMIT $2"
    );
    let rows: Vec<RecordRow> = sqlx::query_as(&sql)
        .bind(task)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(ExportRecord::from).collect())
}
