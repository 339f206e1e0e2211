//! Sign-in attempts (migration 0019), for throttling: written before a password is checked,
//! counted right after, marked failed when the password was wrong, deleted when it was right or
//! no password was checked.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::net::IpAddr;
use std::time::Duration;

/// The recent attempts an attempt is judged by, its own included, with the oldest of each set
/// (the set frees up when that one is `window` old).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentAttempts {
    /// This attempt's row.
    pub attempt_id: i64,
    /// For this address from this client IP.
    pub pair: i64,
    pub pair_oldest: Option<DateTime<Utc>>,
    /// For this address from anywhere.
    pub address: i64,
    pub address_oldest: Option<DateTime<Utc>>,
    /// Failed, from this client IP for any address.
    pub client: i64,
    pub client_oldest: Option<DateTime<Utc>>,
}

/// Records an attempt for `email` from `client_ip` (deleting up to 100 expired ones of any
/// address), then counts the attempts within `window` that it is judged by. The two statements
/// run one after the other, each committed, so of any number of simultaneous attempts the k-th
/// to be recorded counts at least k.
pub async fn record_attempt(
    pool: &PgPool,
    email: &str,
    client_ip: IpAddr,
    window: Duration,
) -> Result<RecentAttempts, sqlx::Error> {
    let client_ip = client_ip.to_string();
    let window_secs = window.as_secs_f64();
    let attempt_id = sqlx::query_scalar!(
        "WITH expired AS (
             DELETE FROM login_attempts WHERE id IN (
                 SELECT id FROM login_attempts
                  WHERE attempted_at < now() - make_interval(secs => $3) LIMIT 100))
         INSERT INTO login_attempts (email, client_ip) VALUES ($1, $2) RETURNING id",
        email,
        client_ip,
        window_secs,
    )
    .fetch_one(pool)
    .await?;
    let counts = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE email = $1 AND client_ip = $2) AS "pair!",
                  min(attempted_at) FILTER (WHERE email = $1 AND client_ip = $2) AS pair_oldest,
                  count(*) FILTER (WHERE email = $1) AS "address!",
                  min(attempted_at) FILTER (WHERE email = $1) AS address_oldest,
                  count(*) FILTER (WHERE client_ip = $2 AND failed) AS "client!",
                  min(attempted_at) FILTER (WHERE client_ip = $2 AND failed) AS client_oldest
             FROM login_attempts
            WHERE (email = $1 OR client_ip = $2)
              AND attempted_at > now() - make_interval(secs => $3)"#,
        email,
        client_ip,
        window_secs,
    )
    .fetch_one(pool)
    .await?;
    Ok(RecentAttempts {
        attempt_id,
        pair: counts.pair,
        pair_oldest: counts.pair_oldest,
        address: counts.address,
        address_oldest: counts.address_oldest,
        client: counts.client,
        client_oldest: counts.client_oldest,
    })
}

/// Marks attempt `attempt_id` failed: its password was checked and was wrong.
pub async fn failed(pool: &PgPool, attempt_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE login_attempts SET failed = true WHERE id = $1",
        attempt_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets one attempt: no password was checked (throttled, or too busy).
pub async fn forget_attempt(pool: &PgPool, attempt_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM login_attempts WHERE id = $1", attempt_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// After a right password: forgets this attempt and the earlier failures for `email` from
/// `client_ip` (failures from other client IPs stay: they may be someone else's guesses).
pub async fn succeeded(
    pool: &PgPool,
    attempt_id: i64,
    email: &str,
    client_ip: IpAddr,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM login_attempts WHERE id = $1 OR (email = $2 AND client_ip = $3)",
        attempt_id,
        email,
        client_ip.to_string(),
    )
    .execute(pool)
    .await?;
    Ok(())
}
