//! The admin's API tokens: list, create (the secret is returned once) and revoke.

use crate::views::tokens::{CreatedToken, TokenSummary};
use crate::AppError;
use leptos::prelude::*;

/// Every token, newest first; admins only.
#[server(endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Vec<TokenSummary>, AppError> {
    use crate::api::request;
    use crate::db;
    use crate::domain::Capability;
    request::require(Capability::Administer).await?;
    let state = request::state()?;
    Ok(db::tokens::list(&state.pool).await?)
}

/// Creates a token with `role` (trainer or admin) and an optional expiry (`30d`, `12h`,
/// `2027-01-31`); admins only.
#[server(endpoint = "tokens/create")]
pub async fn create_token(
    name: String,
    role: String,
    expires: Option<String>,
) -> Result<CreatedToken, AppError> {
    use crate::api::request;
    use crate::db::{audit::Actor, tokens};
    use crate::domain::{api_token, Capability};
    let admin = request::require(Capability::Administer).await?;
    let state = request::state()?;
    let invalid = |e: api_token::TokenInputError| {
        crate::response::set_status(400);
        AppError::Invalid(e.to_string())
    };
    let name = api_token::parse_name(&name).map_err(invalid)?;
    let role = api_token::parse_role(&role).map_err(invalid)?;
    let expires_at = api_token::parse_expiry(expires.as_deref().unwrap_or(""), chrono::Utc::now())
        .map_err(invalid)?;
    let new = tokens::NewToken {
        name: &name,
        role,
        expires_at,
        created_by: Some(admin.id),
    };
    match tokens::create(&state.pool, &new, Actor::User(admin.id)).await {
        Ok((id, secret)) => {
            tracing::info!(token_id = id, token = %name, admin = admin.id, "API token created");
            Ok(CreatedToken {
                id,
                name,
                role,
                expires_at,
                secret: secret.expose().to_string(),
            })
        }
        Err(tokens::CreateTokenError::NameTaken(name)) => {
            crate::response::set_status(409);
            Err(AppError::Invalid(format!(
                "A token named {name} already exists."
            )))
        }
        Err(tokens::CreateTokenError::Database(e)) => Err(e.into()),
    }
}

/// Revokes token `id` (revoking twice is harmless); admins only.
#[server(endpoint = "tokens/revoke")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    use crate::api::request;
    use crate::db::{audit::Actor, tokens};
    use crate::domain::Capability;
    let admin = request::require(Capability::Administer).await?;
    let state = request::state()?;
    match tokens::revoke(&state.pool, tokens::TokenRef::Id(id), Actor::User(admin.id)).await? {
        tokens::Revoked::Now { name, .. } => {
            tracing::info!(token_id = id, token = %name, admin = admin.id, "API token revoked");
            Ok(())
        }
        tokens::Revoked::Already { .. } => Ok(()),
        tokens::Revoked::NotFound => {
            crate::response::set_status(404);
            Err(AppError::NotFound(format!("Token {id}")))
        }
    }
}
