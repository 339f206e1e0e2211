//! Where tower-sessions keeps sessions: the `sessions` table, one row per session, its data as
//! JSON and the signed-in person's id in a column of its own, under the hash of the cookie's
//! session id (`db::sessions::stored_id`), never the id itself.
//!
//! That column is why cojudge has its own store: a request is authenticated by one indexed
//! lookup joining the session to its account (see [`super::session`]), or inside the statement
//! that does the request's work (a review claim), instead of loading and decoding the session
//! and then reading the account.

use crate::db::sessions::{self, OnTakenId, SessionRow};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// The session key holding the signed-in person's id; the store copies it into `user_id`.
pub const USER_ID_KEY: &str = "user_id";

#[derive(Debug, Clone)]
pub struct PgSessionStore {
    pool: PgPool,
}

impl PgSessionStore {
    pub fn new(pool: PgPool) -> Self {
        PgSessionStore { pool }
    }

    /// Deletes sessions past their expiry; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        sessions::delete_expired(&self.pool).await
    }
}

fn backend(error: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}

fn to_chrono(at: time::OffsetDateTime) -> session_store::Result<DateTime<Utc>> {
    DateTime::from_timestamp(at.unix_timestamp(), at.nanosecond())
        .ok_or_else(|| session_store::Error::Encode(format!("expiry out of range: {at}")))
}

fn to_time(at: DateTime<Utc>) -> session_store::Result<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(at.timestamp()) * 1_000_000_000 + i128::from(at.timestamp_subsec_nanos()),
    )
    .map_err(|error| session_store::Error::Decode(error.to_string()))
}

/// The row's columns for `record`: its data as JSON, the signed-in person, the expiry.
fn columns(
    record: &Record,
) -> session_store::Result<(serde_json::Value, Option<i64>, DateTime<Utc>)> {
    let data = serde_json::to_value(&record.data)
        .map_err(|error| session_store::Error::Encode(error.to_string()))?;
    let user_id = record
        .data
        .get(USER_ID_KEY)
        .and_then(serde_json::Value::as_i64);
    Ok((data, user_id, to_chrono(record.expiry_date)?))
}

impl PgSessionStore {
    /// Writes `record`'s row, doing `on_taken` if its id is taken; returns rows written.
    async fn write(&self, record: &Record, on_taken: OnTakenId) -> session_store::Result<u64> {
        let (data, user_id, expires_at) = columns(record)?;
        let id = sessions::stored_id(&record.id.to_string());
        let row = SessionRow {
            id: &id,
            user_id,
            data: &data,
            expires_at,
        };
        sessions::write(&self.pool, &row, on_taken)
            .await
            .map_err(backend)
    }
}

#[async_trait::async_trait]
impl SessionStore for PgSessionStore {
    /// Inserts a new session, drawing another id in the (astronomically unlikely) case that the
    /// one drawn is taken.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while self.write(record, OnTakenId::Skip).await? == 0 {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, OnTakenId::Replace).await?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = sessions::load(&self.pool, &sessions::stored_id(&id.to_string()))
            .await
            .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        let data: HashMap<String, serde_json::Value> = serde_json::from_value(data)
            .map_err(|error| session_store::Error::Decode(error.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: to_time(expires_at)?,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::delete(&self.pool, &sessions::stored_id(&id.to_string()))
            .await
            .map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_round_trips_between_time_and_chrono() {
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(1_795_000_000_123_456_789)
            .expect("in range");
        assert_eq!(
            to_time(to_chrono(at).expect("in range")).expect("in range"),
            at
        );
    }

    #[test]
    fn the_signed_in_person_gets_its_own_column() {
        let mut record = Record {
            id: Id::default(),
            data: HashMap::new(),
            expiry_date: time::OffsetDateTime::now_utc(),
        };
        assert_eq!(columns(&record).expect("encodes").1, None);
        record
            .data
            .insert(USER_ID_KEY.to_string(), serde_json::json!(42));
        let (data, user_id, _) = columns(&record).expect("encodes");
        assert_eq!(user_id, Some(42));
        assert_eq!(data, serde_json::json!({"user_id": 42}));
    }
}
