//! The append-only audit log: who did what, when.

/// Who performed an audited action.
#[derive(Debug, Clone)]
pub enum Actor {
    User(i64),
    Token(i64),
    /// A command-line invocation or the system itself, e.g. `cli` or `system`.
    Other(&'static str),
}

/// One audited action.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: Actor,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub details: serde_json::Value,
}

/// Appends `entry` to the log; call it inside the transaction of the change it records.
pub async fn record(db: &mut sqlx::PgConnection, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    let (user_id, token_id, label) = match entry.actor {
        Actor::User(id) => (Some(id), None, ""),
        Actor::Token(id) => (None, Some(id), ""),
        Actor::Other(label) => (None, None, label),
    };
    sqlx::query!(
        r#"INSERT INTO audit_log (actor_user_id, actor_token_id, actor_label, action, target_type, target_id, details)
           VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
        user_id,
        token_id,
        label,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.details,
    )
    .execute(db)
    .await?;
    Ok(())
}
