//! Accounts.

use crate::domain::{Email, Role};
use crate::views::auth::CurrentUser;
use crate::views::users::UserSummary;
use sqlx::{PgExecutor, PgPool};

/// What signing in needs to know about an account.
pub struct Credentials {
    pub user_id: i64,
    pub password_hash: String,
    pub disabled: bool,
}

/// The e-mail address is already taken.
#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("an account with e-mail {0} already exists")]
    EmailTaken(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn parse_role(raw: &str) -> Result<Role, sqlx::Error> {
    raw.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Creates an account and returns its id.
pub async fn insert(
    db: impl PgExecutor<'_>,
    email: &Email,
    display_name: &str,
    role: Role,
    password_hash: &str,
) -> Result<i64, InsertUserError> {
    let result = sqlx::query_scalar!(
        r#"INSERT INTO users (email, display_name, role, password_hash)
           VALUES ($1, $2, $3, $4) RETURNING id"#,
        email.as_str(),
        display_name,
        role.as_str(),
        password_hash,
    )
    .fetch_one(db)
    .await;
    match result {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("users_email_key") => {
            Err(InsertUserError::EmailTaken(email.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// The stored credentials for `email`, if the account exists.
pub async fn credentials(pool: &PgPool, email: &Email) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as!(
        Credentials,
        r#"SELECT id AS user_id, password_hash, disabled_at IS NOT NULL AS "disabled!"
           FROM users WHERE email = $1"#,
        email.as_str(),
    )
    .fetch_optional(pool)
    .await
}

/// Where a valid sign-in is read, as `FROM … WHERE …` text: session `s`, not expired, of the
/// active account `u`. Callers append `AND s.id = $n`. The one definition of a valid sign-in, for
/// [`find_by_session`] and for statements that check the session themselves (the review claim
/// and submission), so they cannot drift apart.
pub const SESSION_ACCOUNT: &str = "sessions s JOIN users u ON u.id = s.user_id
     WHERE s.expires_at > now() AND u.disabled_at IS NULL";

/// The active account signed in with the session stored as `session_id` (see
/// `sessions::stored_id`), if the session has not expired.
pub async fn find_by_session(
    pool: &PgPool,
    session_id: &str,
) -> Result<Option<CurrentUser>, sqlx::Error> {
    // Composed at run time: the valid sign-in is the shared `SESSION_ACCOUNT` fragment.
    let row: Option<AccountRow> = sqlx::query_as(&format!(
        "SELECT u.id, u.email, u.display_name, u.role FROM {SESSION_ACCOUNT} AND s.id = $1"
    ))
    .bind(session_id)
    .fetch_optional(pool)
    .await?;
    row.map(current_user).transpose()
}

/// An account as [`CurrentUser`] is read: id, e-mail, display name, role.
#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
}

fn current_user(row: AccountRow) -> Result<CurrentUser, sqlx::Error> {
    Ok(CurrentUser {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        role: parse_role(&row.role)?,
    })
}

/// The account `user_id`, unless it does not exist or is disabled.
pub async fn find_active(pool: &PgPool, user_id: i64) -> Result<Option<CurrentUser>, sqlx::Error> {
    let row = sqlx::query_as!(
        AccountRow,
        "SELECT id, email, display_name, role FROM users WHERE id = $1 AND disabled_at IS NULL",
        user_id
    )
    .fetch_optional(pool)
    .await?;
    row.map(current_user).transpose()
}

/// Every account, for the admin's user list.
pub async fn list(pool: &PgPool) -> Result<Vec<UserSummary>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, email, display_name, role, created_at AS "created_at: chrono::DateTime<chrono::Utc>",
                  disabled_at IS NOT NULL AS "disabled!"
           FROM users ORDER BY role, email"#
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(UserSummary {
                id: r.id,
                email: r.email,
                display_name: r.display_name,
                role: parse_role(&r.role)?,
                created_at: r.created_at,
                disabled: r.disabled,
            })
        })
        .collect()
}

/// Replaces the password hash of `email` and ends the account's sessions; the account's id, or
/// `None` when there is no such account.
pub async fn set_password_hash(
    db: impl PgExecutor<'_>,
    email: &Email,
    password_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "WITH changed AS (
             UPDATE users SET password_hash = $2 WHERE email = $1 RETURNING id),
         ended AS (
             DELETE FROM sessions WHERE user_id IN (SELECT id FROM changed))
         SELECT id FROM changed",
        email.as_str(),
        password_hash
    )
    .fetch_optional(db)
    .await
}

/// What disabling or enabling an account changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessChange {
    pub user_id: i64,
    /// False when the account already was as asked.
    pub changed: bool,
    /// Sessions ended (disabling ends them all).
    pub sessions_ended: i64,
}

/// Disables (`disabled`) or enables the account `email`; disabling ends its sessions at once.
/// `None` when there is no such account.
pub async fn set_disabled(
    db: impl PgExecutor<'_>,
    email: &Email,
    disabled: bool,
) -> Result<Option<AccessChange>, sqlx::Error> {
    let row = sqlx::query!(
        r#"WITH target AS (
               SELECT id, (disabled_at IS NOT NULL) <> $2 AS changes FROM users WHERE email = $1),
           updated AS (
               UPDATE users u
                  SET disabled_at = CASE WHEN $2 THEN now() END
                 FROM target WHERE u.id = target.id AND target.changes
               RETURNING u.id),
           ended AS (
               DELETE FROM sessions WHERE $2 AND user_id IN (SELECT id FROM target)
               RETURNING 1)
           SELECT id AS "id!", changes AS "changes!",
                  (SELECT count(*) FROM ended) AS "sessions_ended!"
             FROM target"#,
        email.as_str(),
        disabled,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| AccessChange {
        user_id: row.id,
        changed: row.changes,
        sessions_ended: row.sessions_ended,
    }))
}

/// How many accounts exist.
pub async fn count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM users"#)
        .fetch_one(pool)
        .await
}
