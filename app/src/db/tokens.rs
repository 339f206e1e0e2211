//! API tokens: only the sha256 of each secret is stored, so a database dump holds no usable
//! token. Creating and revoking are audit-logged in the same transaction as the change.

use super::audit::{self, Actor};
use crate::domain::{Role, TokenSecret, TokenStatus};
use crate::views::tokens::TokenSummary;
use chrono::{DateTime, Utc};
use rand::{rngs::OsRng, Rng};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// Timestamps as chrono types (sqlx would pick `time`, which another dependency enables).
type Timestamp = DateTime<Utc>;

/// A token to create.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub role: Role,
    pub expires_at: Option<DateTime<Utc>>,
    /// The admin who created it; `None` from the command line.
    pub created_by: Option<i64>,
}

/// Who a presented token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIdentity {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateTokenError {
    #[error("a token named `{0}` already exists")]
    NameTaken(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Which token to revoke.
#[derive(Debug, Clone, Copy)]
pub enum TokenRef<'a> {
    Id(i64),
    Name(&'a str),
}

/// What revoking did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// Revoked by this call.
    Now {
        id: i64,
        name: String,
    },
    /// Revoked before, at `at`; nothing changed.
    Already {
        id: i64,
        name: String,
        at: DateTime<Utc>,
    },
    NotFound,
}

/// The stored form of a secret.
pub fn hash(secret: &TokenSecret) -> Vec<u8> {
    Sha256::digest(secret.expose().as_bytes()).to_vec()
}

fn parse_role(raw: &str) -> Result<Role, sqlx::Error> {
    raw.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Creates a token with a fresh secret from the operating system's generator, and returns its id
/// and the secret, which is not kept anywhere.
pub async fn create(
    pool: &PgPool,
    new: &NewToken<'_>,
    actor: Actor,
) -> Result<(i64, TokenSecret), CreateTokenError> {
    let secret = TokenSecret::generate_with(|n| OsRng.gen_range(0..n));
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO api_tokens (name, role, token_hash, token_prefix, created_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"#,
        new.name,
        new.role.as_str(),
        hash(&secret),
        secret.display_prefix(),
        new.created_by,
        // `as _`: sqlx would check it against `time`, which another crate also enables.
        new.expires_at as _,
    )
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("api_tokens_name_key") => {
            return Err(CreateTokenError::NameTaken(new.name.to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    let details = serde_json::json!({
        "name": new.name,
        "role": new.role.as_str(),
        "expires_at": new.expires_at,
    });
    audit::record(&mut tx, entry(actor, "token.created", id, details)).await?;
    tx.commit().await?;
    Ok((id, secret))
}

fn entry(actor: Actor, action: &str, id: i64, details: serde_json::Value) -> audit::Entry<'_> {
    audit::Entry {
        actor,
        action,
        target_type: "api_token",
        target_id: id.to_string(),
        details,
    }
}

/// Every token, newest first, with its status as of the database's clock.
pub async fn list(pool: &PgPool) -> Result<Vec<TokenSummary>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, name, role, token_prefix,
                  created_at AS "created_at: Timestamp",
                  expires_at AS "expires_at: Timestamp",
                  revoked_at AS "revoked_at: Timestamp",
                  last_used_at AS "last_used_at: Timestamp",
                  now() AS "now!: Timestamp"
           FROM api_tokens ORDER BY created_at DESC, id DESC"#
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(TokenSummary {
                id: r.id,
                name: r.name,
                role: parse_role(&r.role)?,
                prefix: r.token_prefix,
                created_at: r.created_at,
                expires_at: r.expires_at,
                last_used_at: r.last_used_at,
                status: TokenStatus::at(r.revoked_at, r.expires_at, r.now),
            })
        })
        .collect()
}

/// Revokes a token; revoking one already revoked changes nothing and is not logged again.
pub async fn revoke(
    pool: &PgPool,
    token: TokenRef<'_>,
    actor: Actor,
) -> Result<Revoked, sqlx::Error> {
    let (by_id, by_name) = match token {
        TokenRef::Id(id) => (Some(id), None),
        TokenRef::Name(name) => (None, Some(name)),
    };
    let mut tx = pool.begin().await?;
    let revoked = sqlx::query!(
        r#"UPDATE api_tokens SET revoked_at = now()
           WHERE (id = $1 OR name = $2) AND revoked_at IS NULL
           RETURNING id, name"#,
        by_id,
        by_name,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = revoked {
        let details = serde_json::json!({ "name": row.name });
        audit::record(&mut tx, entry(actor, "token.revoked", row.id, details)).await?;
        tx.commit().await?;
        return Ok(Revoked::Now {
            id: row.id,
            name: row.name,
        });
    }
    let earlier = sqlx::query!(
        r#"SELECT id, name, revoked_at AS "revoked_at!: Timestamp" FROM api_tokens
           WHERE (id = $1 OR name = $2) AND revoked_at IS NOT NULL"#,
        by_id,
        by_name,
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(match earlier {
        Some(r) => Revoked::Already {
            id: r.id,
            name: r.name,
            at: r.revoked_at,
        },
        None => Revoked::NotFound,
    })
}

/// The active token with this secret, if any: neither revoked nor expired, and not made by an
/// account that is disabled now (it works again if the account is enabled). Marks it used, at
/// most once a minute, so that busy clients do not cause a write per request.
pub async fn authenticate(
    pool: &PgPool,
    secret: &TokenSecret,
) -> Result<Option<TokenIdentity>, sqlx::Error> {
    let row = sqlx::query!(
        r#"WITH found AS (
               SELECT t.id, t.name, t.role FROM api_tokens t
               WHERE t.token_hash = $1 AND t.revoked_at IS NULL
                 AND (t.expires_at IS NULL OR t.expires_at > now())
                 -- a token acts for the account that made it: not while that one is disabled
                 AND NOT EXISTS (SELECT 1 FROM users u
                                  WHERE u.id = t.created_by AND u.disabled_at IS NOT NULL)
           ), touched AS (
               UPDATE api_tokens SET last_used_at = now()
               WHERE id IN (SELECT id FROM found)
                 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
           )
           SELECT id AS "id!", name AS "name!", role AS "role!" FROM found"#,
        hash(secret),
    )
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(TokenIdentity {
            id: r.id,
            name: r.name,
            role: parse_role(&r.role)?,
        })
    })
    .transpose()
}
