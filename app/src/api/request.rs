//! The current server-function request: the shared state, the session and who is signed in,
//! and the capability check every server function starts with. A refusal also sets the
//! response status (401 or 403), so API clients see it without reading the body.

use crate::domain::Capability;
use crate::services::{session, AppState};
use crate::views::auth::CurrentUser;
use crate::AppError;
use tower_sessions::Session;

/// The state provided to server functions through Leptos context.
pub fn state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// The current server-function request's session.
pub async fn current_session() -> Result<Session, AppError> {
    leptos_axum::extract().await.map_err(|error| {
        tracing::error!(%error, "session layer missing");
        AppError::Internal
    })
}

/// The client's IP address, as the web layer found it (the peer, or the trusted proxy's
/// `X-Forwarded-For` hop).
pub async fn client_ip() -> Result<std::net::IpAddr, AppError> {
    let axum::Extension(crate::services::sign_in::ClientIp(ip)) =
        leptos_axum::extract().await.map_err(|error| {
            tracing::error!(%error, "client IP layer missing");
            AppError::Internal
        })?;
    Ok(ip)
}

/// The signed-in user of the current server-function request, if any.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = state()?;
    Ok(session::user_of(&state, &current_session().await?).await?)
}

/// The signed-in user, if their role grants `capability`; otherwise why not. A refusal also sets
/// the response status (401 or 403), so API clients see it without reading the body.
pub async fn require(capability: Capability) -> Result<CurrentUser, AppError> {
    let refuse = |error: AppError| {
        crate::response::set_status(error.status_code());
        error
    };
    let user = current_user()
        .await?
        .ok_or_else(|| refuse(AppError::Unauthenticated))?;
    if user.role.can(capability) {
        Ok(user)
    } else {
        Err(refuse(AppError::Forbidden))
    }
}
