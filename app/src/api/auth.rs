//! Signing in and out, and who is signed in.

use crate::views::auth::CurrentUser;
#[cfg(feature = "ssr")]
use crate::views::auth::{safe_next, THROTTLE_FAILURES, THROTTLE_WINDOW_SECS, WRONG_CREDENTIALS};
use crate::AppError;
use leptos::prelude::*;

/// Signs in with e-mail and password, rotates the session id, and redirects to `next` (a local
/// path) or the home page.
#[server(endpoint = "auth/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::api::request;
    use crate::db;
    use crate::domain::Email;
    use crate::services::{password as pw, session};
    use std::time::Duration;
    let state = request::state()?;
    let window = Duration::from_secs(THROTTLE_WINDOW_SECS);
    // Throttled per address as typed, known or not, before any password is checked.
    let typed = email.trim().to_lowercase();
    let (failures, oldest) =
        db::login_throttle::recent_failures(&state.pool, &typed, window).await?;
    if failures >= THROTTLE_FAILURES {
        let wait = oldest.map_or(window.as_secs(), |oldest| {
            let free_at = oldest + chrono::Duration::seconds(window.as_secs() as i64);
            (free_at - chrono::Utc::now()).num_seconds().max(1) as u64
        });
        tracing::warn!(email = %typed, "sign-in throttled");
        throttled_response(wait);
        return Err(AppError::Invalid(format!(
            "Too many failed sign-ins for this address. Try again in {} minute{}.",
            wait.div_ceil(60),
            if wait.div_ceil(60) == 1 { "" } else { "s" }
        )));
    }
    let wrong = || async {
        db::login_throttle::record_failure(&state.pool, &typed, window).await?;
        crate::response::set_status(401);
        Ok::<AppError, AppError>(AppError::Invalid(WRONG_CREDENTIALS.into()))
    };
    let Ok(email) = Email::parse(&email) else {
        pw::verify(password, None).await;
        return Err(wrong().await?);
    };
    let credentials = db::users::credentials(&state.pool, &email).await?;
    let (user_id, hash, disabled) = match credentials {
        Some(c) => (Some(c.user_id), Some(c.password_hash), c.disabled),
        None => (None, None, false),
    };
    let verified = pw::verify(password, hash).await;
    let Some(user_id) = user_id.filter(|_| verified && !disabled) else {
        tracing::info!(email = %email, "sign-in refused");
        return Err(wrong().await?);
    };
    db::login_throttle::clear(&state.pool, &typed).await?;
    let session: tower_sessions::Session = leptos_axum::extract()
        .await
        .map_err(|_| AppError::Internal)?;
    session::sign_in(&session, user_id).await?;
    tracing::info!(user_id, "signed in");
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Ends the session and redirects to the sign-in page.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::services::session;
    let session: tower_sessions::Session = leptos_axum::extract()
        .await
        .map_err(|_| AppError::Internal)?;
    session::sign_out(&session).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, or `None`.
#[server(endpoint = "auth/me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    crate::api::request::current_user().await
}

/// 429 with `Retry-After: seconds`.
#[cfg(feature = "ssr")]
fn throttled_response(seconds: u64) {
    crate::response::set_status(429);
    crate::response::insert_header(http::header::RETRY_AFTER, &seconds.to_string());
}
