//! The `exports` table: one row per export (CLI runs and jobs), its spec, `as_of`, state,
//! progress and manifest: creating one and reading them. Running a job (claim, renew, finish,
//! fail, release) is the export queue's, [`super::queue::export`]; CLI exports are recorded but
//! never claimed.

use crate::domain::ExportSpec;
use crate::views::exports::{ExportFile, ExportRecord};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::PgPool;

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
    let created = sqlx::query_as!(
        Created,
        "INSERT INTO exports (task_id, spec, origin, requested_by, token_id, state, started_at)
         SELECT t.id, $2, $3, $4, $5, $6, CASE WHEN $6 = 'running' THEN now() END
           FROM tasks t WHERE t.name = $1
         RETURNING id, as_of",
        spec.task,
        Json(spec) as _,
        requester.origin(),
        user,
        token,
        state,
    )
    .fetch_optional(pool)
    .await?;
    if created.is_some() {
        sqlx::query!("SELECT pg_notify('cojudge_exports', '')")
            .execute(pool)
            .await?;
    }
    Ok(created)
}

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
    Ok(records(pool, Some(id), None, 1).await?.pop())
}

/// The most recent exports, newest first, optionally of one task.
pub async fn list(
    pool: &PgPool,
    task: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<ExportRecord>> {
    records(pool, None, task, limit).await
}

/// Up to `limit` exports, newest first: the one with `id`, or those of `task`, or all.
async fn records(
    pool: &PgPool,
    id: Option<i64>,
    task: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<ExportRecord>> {
    let rows = sqlx::query_as!(
        RecordRow,
        r#"SELECT e.id, t.name AS task, e.spec AS "spec: Json<ExportSpec>", e.origin, e.state,
                  coalesce(u.display_name, tok.name) AS requested_by,
                  e.as_of, e.rows_expected, e.rows_written,
                  e.manifest -> 'files' AS "files: Json<Vec<ExportFile>>",
                  e.manifest, e.error, e.created_at, e.started_at, e.finished_at, e.files_deleted_at
             FROM exports e
             JOIN tasks t ON t.id = e.task_id
             LEFT JOIN users u ON u.id = e.requested_by
             LEFT JOIN api_tokens tok ON tok.id = e.token_id
            WHERE ($1::bigint IS NULL OR e.id = $1)
              AND ($2::text IS NULL OR t.name = $2)
            ORDER BY e.id DESC
            LIMIT $3"#,
        id,
        task,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ExportRecord::from).collect())
}
