//! Cookie sessions stored in Postgres (tower-sessions over the app's `sessions` table), so any
//! web process can serve any request. The cookie is HttpOnly, SameSite=Lax, and Secure when the
//! app is served over https.

use app::services::session_store::PgSessionStore;
use sqlx::PgPool;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The cookie's name.
pub const COOKIE_NAME: &str = "cojudge_session";

/// The session layer. A session and its cookie last `idle_hours` from the last change to the
/// session (in practice, signing in): requests that only read it do not write it back.
pub fn layer(pool: PgPool, secure: bool, idle_hours: i64) -> SessionManagerLayer<PgSessionStore> {
    SessionManagerLayer::new(PgSessionStore::new(pool))
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(idle_hours)))
}

/// Deletes expired sessions now and then; safe to run in every web process.
pub fn spawn_expired_session_cleanup(pool: PgPool) {
    let store = PgSessionStore::new(pool);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(error) = store.delete_expired().await {
                tracing::warn!(%error, "could not delete expired sessions");
            }
        }
    });
}
