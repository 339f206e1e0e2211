//! `GET /api/v1/whoami`: the token's name and role, to check a token works.

use super::auth::ApiCaller;
use app::domain::Role;
use axum::Json;
use serde::Serialize;

/// The calling token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "nightly-import", "role": "trainer"}))]
pub struct WhoAmI {
    /// The token's name.
    pub name: String,
    pub role: Role,
}

/// The calling token's name and role: a cheap way to check a token works.
#[utoipa::path(
    get,
    path = "/api/v1/whoami",
    tag = "tokens",
    responses(
        (status = 200, description = "The token's name and role", body = WhoAmI),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = super::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn whoami(caller: ApiCaller) -> Json<WhoAmI> {
    Json(WhoAmI {
        name: caller.name,
        role: caller.role,
    })
}
