//! Changing who may sign in: disabling and enabling accounts, setting a password. Each change
//! is audited in its own transaction and ends the account's sessions where it must: a disabled
//! account or a new password signs every browser out at once. A token made by an account works
//! only while that account is enabled (see `db::tokens::authenticate`).

use super::{ServiceError, ServiceResult};
use crate::db::audit;
use crate::db::users::{self, AccessChange};
use crate::domain::Email;
use sqlx::PgPool;

/// Disables (`disabled`) or enables the account `email`, as `actor`.
pub async fn set_disabled(
    pool: &PgPool,
    email: &Email,
    disabled: bool,
    actor: audit::Actor,
) -> ServiceResult<AccessChange> {
    let mut tx = pool.begin().await?;
    let change = users::set_disabled(&mut *tx, email, disabled)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("The account {email}")))?;
    if change.changed {
        let entry = audit::Entry {
            actor,
            action: if disabled {
                "user.disabled"
            } else {
                "user.enabled"
            },
            target_type: "user",
            target_id: change.user_id.to_string(),
            details: serde_json::json!({
                "email": email.as_str(),
                "sessions_ended": change.sessions_ended,
            }),
        };
        audit::record(&mut tx, entry).await?;
    }
    tx.commit().await?;
    Ok(change)
}

/// What [`set_disabled`] did, in a sentence for the person who asked.
pub fn describe_access_change(email: &Email, disabled: bool, change: AccessChange) -> String {
    match (disabled, change.changed) {
        (true, true) => format!(
            "Disabled {email}: {} session{} ended; API tokens it made stop working until it is enabled again.",
            change.sessions_ended,
            if change.sessions_ended == 1 { "" } else { "s" }
        ),
        (false, true) => format!("Enabled {email}; it can sign in again."),
        (true, false) => format!("{email} was already disabled."),
        (false, false) => format!("{email} was already enabled."),
    }
}

/// Sets the password hash of the account `email`, as `actor`, ending its sessions.
pub async fn set_password_hash(
    pool: &PgPool,
    email: &Email,
    password_hash: &str,
    actor: audit::Actor,
) -> ServiceResult<()> {
    let mut tx = pool.begin().await?;
    let user_id = users::set_password_hash(&mut *tx, email, password_hash)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("The account {email}")))?;
    let entry = audit::Entry {
        actor,
        action: "user.password_set",
        target_type: "user",
        target_id: user_id.to_string(),
        details: serde_json::json!({ "email": email.as_str() }),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}
