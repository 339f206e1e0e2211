//! The operations sampler's writes (migration 0013's functions): one queue-depth sample per
//! interval, the hourly activity roll-up, and dropping samples past their retention.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Takes the queue-depth sample of the interval starting at `interval_start`, unless another
/// process took it already; returns the rows written.
pub async fn sample_queues(
    pool: &PgPool,
    interval_start: DateTime<Utc>,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT queue_sample($1) AS "written!""#, interval_start)
        .fetch_one(pool)
        .await
}

/// Rolls up the activity of every hour from the last one rolled up (or `until`, if earlier)
/// to now.
pub async fn roll_up_activity(pool: &PgPool, until: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "SELECT activity_roll_up(least($1, (SELECT max(hour) FROM activity_hours)))",
        until
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes queue samples taken before `before`; returns how many.
pub async fn delete_samples_before(
    pool: &PgPool,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM queue_samples WHERE sampled_at < $1", before)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}
