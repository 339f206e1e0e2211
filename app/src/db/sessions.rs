//! The `sessions` table behind the session store (`services::session_store`): one row per
//! session, its data as JSON and the signed-in person's id in a column of its own. A row's id
//! is [`stored_id`] of the id the cookie carries, never the id itself (migration 0020), so the
//! table holds nothing a browser could sign in with. Every function here takes a stored id.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::Digest;
use sqlx::PgPool;

/// The id a session's row is stored under: the hex sha256 of the cookie's session id.
pub fn stored_id(cookie_id: &str) -> String {
    hex::encode(sha2::Sha256::digest(cookie_id.as_bytes()))
}

/// A session's row.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow<'a> {
    pub id: &'a str,
    pub user_id: Option<i64>,
    pub data: &'a Value,
    pub expires_at: DateTime<Utc>,
}

/// What writing a row whose id is taken does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTakenId {
    /// Writes nothing (a new session must draw another id).
    Skip,
    /// Replaces the row (saving a session).
    Replace,
}

/// Writes `row`; returns the rows written (0 when the id was taken and `on_taken` skips).
pub async fn write(
    pool: &PgPool,
    row: &SessionRow<'_>,
    on_taken: OnTakenId,
) -> Result<u64, sqlx::Error> {
    // A taken id is overwritten only when replacing; otherwise the conditional update leaves
    // the row alone and nothing is written, as `DO NOTHING` would.
    let written = sqlx::query!(
        "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data,
                                        expires_at = excluded.expires_at
         WHERE $5",
        row.id,
        row.user_id,
        row.data,
        row.expires_at,
        on_taken == OnTakenId::Replace,
    )
    .execute(pool)
    .await?;
    Ok(written.rows_affected())
}

/// The data and expiry of session `id`, unless it is missing or expired.
pub async fn load(pool: &PgPool, id: &str) -> Result<Option<(Value, DateTime<Utc>)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > now()",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| (row.data, row.expires_at)))
}

/// Deletes session `id`.
pub async fn delete(pool: &PgPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sessions WHERE id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes sessions past their expiry; returns how many.
pub async fn delete_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM sessions WHERE expires_at < now()")
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::stored_id;

    #[test]
    fn a_stored_id_is_the_hex_sha256_of_the_cookie_id() {
        assert_eq!(
            stored_id("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
