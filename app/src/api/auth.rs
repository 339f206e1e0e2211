//! Signing in and out, and who is signed in.

use crate::views::auth::CurrentUser;
#[cfg(feature = "ssr")]
use crate::views::auth::WRONG_CREDENTIALS;
use crate::AppError;
use leptos::prelude::*;

/// Signs in with e-mail and password, rotates the session id, and redirects to `next` (a local
/// path) or the home page. Refused, before any password is checked, while the address or the
/// client has too many recent failures (429), or while every password check of this process is
/// busy (503); see `services::sign_in`.
#[server(endpoint = "auth/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::api::request;
    use crate::services::session;
    use crate::services::sign_in::{self, Limits, SignInOutcome};
    let state = request::state()?;
    let client_ip = request::client_ip().await?;
    match sign_in::check(&state, &email, password, client_ip, Limits::default()).await? {
        SignInOutcome::SignedIn { user_id } => {
            session::sign_in(&request::current_session().await?, user_id).await?;
            tracing::info!(user_id, "signed in");
            leptos_axum::redirect(&sign_in::safe_next(next.as_deref()));
            Ok(())
        }
        SignInOutcome::Refused => {
            crate::response::set_status(401);
            Err(AppError::Invalid(WRONG_CREDENTIALS.into()))
        }
        SignInOutcome::Throttled { retry_after_secs } => {
            retry_after(429, retry_after_secs);
            let minutes = retry_after_secs.div_ceil(60);
            Err(AppError::Invalid(format!(
                "Too many failed sign-ins. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            )))
        }
        SignInOutcome::Busy => {
            retry_after(503, 1);
            Err(AppError::Invalid(
                "Many sign-ins are being checked right now. Try again in a moment.".into(),
            ))
        }
    }
}

/// Ends the session and redirects to the sign-in page.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::services::session;
    session::sign_out(&crate::api::request::current_session().await?).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, or `None`.
#[server(endpoint = "auth/me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    crate::api::request::current_user().await
}

/// `status` with `Retry-After: seconds`.
#[cfg(feature = "ssr")]
fn retry_after(status: u16, seconds: u64) {
    crate::response::set_status(status);
    crate::response::insert_header(http::header::RETRY_AFTER, &seconds.to_string());
}
