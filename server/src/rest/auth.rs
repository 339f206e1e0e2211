//! Bearer-token authentication for the REST API: the [`ApiCaller`] extractor.
//!
//! Unknown, revoked and expired tokens get the same answer (401 `invalid_token`), so a caller
//! cannot probe which tokens exist. Logs name the token, never its secret.

use super::error::ApiError;
use app::db::tokens;
use app::domain::api_token::{parse_bearer, BearerError};
use app::domain::{Capability, Role};
use app::services::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// The token a REST request was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCaller {
    pub token_id: i64,
    pub name: String,
    pub role: Role,
}

impl ApiCaller {
    /// Refuses with 403 `forbidden` unless the token's role grants `capability`; the message
    /// names the roles that do.
    pub fn require(&self, capability: Capability) -> Result<(), ApiError> {
        if self.role.can(capability) {
            return Ok(());
        }
        let needed: Vec<&str> = Role::ALL
            .into_iter()
            .filter(|role| role.can(capability))
            .map(Role::as_str)
            .collect();
        tracing::info!(token_id = self.token_id, token = %self.name, role = %self.role, "API token refused: wrong role");
        Err(ApiError::forbidden(format!(
            "This token has role {}; this needs {}.",
            self.role,
            or_list(&needed)
        )))
    }
}

/// "a", "a or b", "a, b or c".
fn or_list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [only] => only.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn missing(reason: &str) -> ApiError {
    ApiError::unauthorized(
        "missing_token",
        format!("{reason}: send `Authorization: Bearer cjt_…` with an API token."),
    )
}

fn invalid() -> ApiError {
    ApiError::unauthorized(
        "invalid_token",
        "The API token is unknown, revoked or expired.",
    )
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| missing("No API token"))?
            .to_str()
            .map_err(|_| invalid())?;
        let secret = match parse_bearer(header) {
            Ok(secret) => secret,
            Err(BearerError::Missing) => return Err(missing("Not a bearer token")),
            Err(BearerError::Malformed(_)) => return Err(invalid()),
        };
        let Some(identity) = tokens::authenticate(&state.pool, &secret).await? else {
            tracing::info!(
                prefix = secret.display_prefix(),
                "API token refused: unknown, revoked or expired"
            );
            return Err(invalid());
        };
        tracing::info!(token_id = identity.id, token = %identity.name, role = %identity.role, "API token authenticated");
        Ok(ApiCaller {
            token_id: identity.id,
            name: identity.name,
            role: identity.role,
        })
    }
}
