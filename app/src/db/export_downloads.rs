//! Downloads of export files in progress, and the retention of those files (migration 0021).
//! A download holds a lease on its export while it streams; the retention cleanup marks the
//! files of old exports deleted only when no lease is live, so no file is deleted while it is
//! being downloaded. Registration share-locks the export's row and the cleanup locks it for
//! update before it looks for leases, so one always sees the other.

use sqlx::PgPool;
use std::time::Duration;

/// Registers a download of export `export_id`'s files, leased for `lease`; its id, or `None`
/// when the files were deleted.
pub async fn begin(pool: &PgPool, export_id: i64, lease: Duration) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "INSERT INTO export_downloads (export_id, lease_expires_at)
         SELECT id, now() + make_interval(secs => $2) FROM exports
          WHERE id = $1 AND files_deleted_at IS NULL
            FOR SHARE
         RETURNING id",
        export_id,
        lease.as_secs_f64(),
    )
    .fetch_optional(pool)
    .await
}

/// Renews download `id`'s lease (it is still streaming).
pub async fn renew(pool: &PgPool, id: i64, lease: Duration) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE export_downloads SET lease_expires_at = now() + make_interval(secs => $2)
          WHERE id = $1",
        id,
        lease.as_secs_f64(),
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends download `id` (finished or broken off).
pub async fn finish(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM export_downloads WHERE id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Marks deleted the files of the export jobs (not CLI runs) that finished longer than `age`
/// ago, except those being downloaded; returns their ids, for the caller to delete the files.
/// Also drops lapsed download leases.
pub async fn expire(pool: &PgPool, age: Duration) -> sqlx::Result<Vec<i64>> {
    let mut tx = pool.begin().await?;
    let candidates = sqlx::query_scalar!(
        "SELECT id FROM exports
          WHERE origin <> 'cli' AND state IN ('done', 'failed') AND files_deleted_at IS NULL
            AND coalesce(finished_at, created_at) < now() - make_interval(secs => $1)
            FOR UPDATE SKIP LOCKED",
        age.as_secs_f64(),
    )
    .fetch_all(&mut *tx)
    .await?;
    // A new statement: it sees every download registered before the rows were locked above.
    let expired = sqlx::query_scalar!(
        "UPDATE exports e SET files_deleted_at = now()
          WHERE e.id = ANY($1)
            AND NOT EXISTS (SELECT 1 FROM export_downloads d
                             WHERE d.export_id = e.id AND d.lease_expires_at > now())
         RETURNING e.id",
        &candidates,
    )
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM export_downloads WHERE lease_expires_at < now()")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(expired)
}

/// The exports whose files were marked deleted within `within`: their folders are removed again
/// in case a process stopped between marking and deleting.
pub async fn recently_expired(pool: &PgPool, within: Duration) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "SELECT id FROM exports WHERE files_deleted_at > now() - make_interval(secs => $1)",
        within.as_secs_f64(),
    )
    .fetch_all(pool)
    .await
}
