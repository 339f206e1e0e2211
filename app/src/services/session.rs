//! Who is signed in. The session (tower-sessions, in the `sessions` table through
//! [`super::session_store`]) holds only the user's id; the account is read afresh on every
//! request, joined to the session in one lookup, so disabling a user or changing a role takes
//! effect at once.

use super::session_store::USER_ID_KEY;
use super::AppState;
use super::ServiceError;
use crate::db;
use crate::views::auth::CurrentUser;
use tower_sessions::Session;

/// Signs `user_id` in on `session`, under a new session id (against session fixation).
pub async fn sign_in(session: &Session, user_id: i64) -> Result<(), ServiceError> {
    session.cycle_id().await?;
    session.insert(USER_ID_KEY, user_id).await?;
    Ok(())
}

/// Ends the session and deletes it from the store.
pub async fn sign_out(session: &Session) -> Result<(), ServiceError> {
    session.flush().await?;
    Ok(())
}

/// The signed-in, active user of `session`, if any: one lookup of the session's row joined to
/// its account (the session itself is not loaded), unless this request changed the session.
pub async fn user_of(
    state: &AppState,
    session: &Session,
) -> Result<Option<CurrentUser>, ServiceError> {
    if session.is_modified() {
        let Some(user_id) = session.get::<i64>(USER_ID_KEY).await? else {
            return Ok(None);
        };
        return Ok(db::users::find_active(&state.pool, user_id).await?);
    }
    let Some(id) = session_id(session) else {
        return Ok(None);
    };
    Ok(db::users::find_by_session(&state.pool, &id).await?)
}

/// The id `session`'s row is stored under (the hash of the id its cookie names), whether or not
/// the row exists, without loading it.
pub fn session_id(session: &Session) -> Option<String> {
    session
        .id()
        .map(|id| db::sessions::stored_id(&id.to_string()))
}
