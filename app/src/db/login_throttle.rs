//! Failed sign-ins per address (migration 0014), for throttling.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;

/// Failures for `email` within `window` of now, and when the oldest of them happened.
pub async fn recent_failures(
    pool: &PgPool,
    email: &str,
    window: Duration,
) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), min(failed_at) FROM login_failures
          WHERE email = $1 AND failed_at > now() - make_interval(secs => $2)",
    )
    .bind(email)
    .bind(window.as_secs_f64())
    .fetch_one(pool)
    .await
}

/// Records a failure for `email`, and deletes up to 100 failures (of any address) older than
/// `window`, so the table stays as small as the recent failures.
pub async fn record_failure(
    pool: &PgPool,
    email: &str,
    window: Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH expired AS (
             DELETE FROM login_failures WHERE ctid IN (
                 SELECT ctid FROM login_failures
                  WHERE failed_at < now() - make_interval(secs => $2) LIMIT 100))
         INSERT INTO login_failures (email) VALUES ($1)",
    )
    .bind(email)
    .bind(window.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets the failures of `email` (after a successful sign-in).
pub async fn clear(pool: &PgPool, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(pool)
        .await?;
    Ok(())
}
