//! Signing in and out, and who is signed in.

use crate::domain::Role;
use crate::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in account, as pages see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// The message for any failed sign-in: it never says whether the e-mail address exists.
pub const WRONG_CREDENTIALS: &str = "Wrong e-mail address or password.";

/// Failed sign-ins for one address within [`THROTTLE_WINDOW_SECS`] before further attempts are
/// refused (until the oldest of them is that old).
pub const THROTTLE_FAILURES: i64 = 5;
pub const THROTTLE_WINDOW_SECS: u64 = 15 * 60;

/// Signs in with e-mail and password, rotates the session id, and redirects to `next` (a local
/// path) or the home page.
#[server(endpoint = "auth/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::domain::Email;
    use crate::server::{db, password as pw, session, AppState};
    use std::time::Duration;
    let state = AppState::from_context()?;
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
        crate::ui::status::set_status(401);
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

/// 429 with `Retry-After: seconds`.
#[cfg(feature = "ssr")]
fn throttled_response(seconds: u64) {
    crate::ui::status::set_status(429);
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(value) = http::HeaderValue::from_str(&seconds.to_string()) {
            response.insert_header(http::header::RETRY_AFTER, value);
        }
    }
}

/// Ends the session and redirects to the sign-in page.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::session;
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
    crate::server::session::current_user().await
}

/// `next` if it is a path on this site, else `/`: a sign-in link must not redirect elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn a_local_path_is_kept() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
    }

    #[test]
    fn other_sites_and_protocol_relative_urls_go_home() {
        for next in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(next)), "/", "{next}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
