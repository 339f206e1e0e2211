//! `GET /api/v1/whoami`: the token's name and role, to check a token works.

use super::auth::ApiCaller;
use axum::Json;
use serde_json::{json, Value};

/// The calling token's name and role: a cheap way to check a token works.
#[utoipa::path(
    get,
    path = "/api/v1/whoami",
    tag = "tokens",
    responses(
        (status = 200, description = "The token's name and role", body = Object, example = json!({"name": "nightly-import", "role": "trainer"})),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = super::error::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn whoami(caller: ApiCaller) -> Json<Value> {
    Json(json!({ "name": caller.name, "role": caller.role }))
}
