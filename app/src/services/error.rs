//! The error every service returns.
//!
//! Policy:
//! - A variant says what happened in terms a caller can act on (not found, invalid, a conflict,
//!   a refused sign-in); messages name the thing, written for people.
//! - Causes that are ours (database, session store, a broken invariant) keep their cause for
//!   the log and are logged once, by the edge that answers the request.
//! - Each edge maps this type once: server functions and pages to [`crate::AppError`]
//!   (`app/src/error.rs`), the REST API to its JSON error (`server/src/rest/error.rs`).

/// What a service could not do.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The session, account or role check inside a statement refused; the edge finds out why
    /// (not signed in, or not allowed).
    #[error("not signed in with a role that may do this")]
    Refused,
    /// `{0}` names what was not found, e.g. "Task `tag`".
    #[error("{0} was not found")]
    NotFound(String),
    /// The request is wrong in a way the person can fix.
    #[error("{0}")]
    Invalid(String),
    /// The request clashes with what others did meanwhile.
    #[error("{0}")]
    Conflict(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    /// Something that cannot happen if the code is right; the message is for the log.
    #[error("{0}")]
    Internal(String),
}

/// A service's result.
pub type ServiceResult<T> = Result<T, ServiceError>;

impl From<crate::db::task_settings::VersionError> for ServiceError {
    fn from(error: crate::db::task_settings::VersionError) -> Self {
        use crate::db::task_settings::VersionError;
        match error {
            VersionError::NoSuchTask(_) | VersionError::NoSuchEvaluation(_) => {
                ServiceError::NotFound(error.to_string())
            }
            VersionError::Stale { .. } => ServiceError::Conflict(error.to_string()),
            VersionError::Invalid(_) | VersionError::Unchanged => {
                ServiceError::Invalid(error.to_string())
            }
            VersionError::Unreadable(message) => ServiceError::Internal(message),
            VersionError::Database(error) => ServiceError::Database(error),
        }
    }
}
