//! The error type server functions return to the browser.
//!
//! Policy:
//! - Errors people can act on (not signed in, no access, bad input, not found) carry a message
//!   written for them.
//! - Everything else becomes [`AppError::Internal`]: the cause is logged once on the server, where
//!   it happened, and the browser only learns that something went wrong. Database errors, file
//!   paths and stack traces never reach a page.
//! - Code matches on variants, never on message text.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You do not have access to this page.")]
    Forbidden,
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// The request clashes with what others did meanwhile (e.g. an undo after someone acted).
    #[error("{0}")]
    Conflict(String),
    #[error("Something went wrong on our side. It has been logged; please try again.")]
    Internal,
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status that fits the error, for server-rendered error pages.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 400,
            AppError::Conflict(_) => 409,
            AppError::Internal => 500,
            AppError::Transport(_) => 503,
        }
    }
}

impl AppError {
    /// Sets the response status to fit the error (server functions answer 500 otherwise), so
    /// API clients see it without reading the body; returns the error unchanged.
    pub fn with_status(self) -> Self {
        crate::response::set_status(self.status_code());
        self
    }

    /// `error` as the browser gets it, with the response status set to fit: the one mapping
    /// of a service's (or the database's) error at the server-function edge.
    pub fn respond(error: impl Into<AppError>) -> Self {
        error.into().with_status()
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server, errors reading a request (a body that is not the function's JSON or form,
    /// a missing or mistyped argument) are the caller's: 400 with what was wrong, never a 500.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message)
            | ServerFnErrorErr::Deserialization(message)
                if cfg!(feature = "ssr") =>
            {
                AppError::Invalid(format!("The request could not be read: {message}")).with_status()
            }
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::Invalid(message)
            }
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Response(message) => {
                AppError::Transport(message)
            }
            _ => AppError::Internal,
        }
    }
}

impl From<crate::views::Invalid> for AppError {
    fn from(error: crate::views::Invalid) -> Self {
        AppError::Invalid(error.0)
    }
}

/// A service's error, as server functions and pages answer it: what people can act on keeps
/// its message; causes that are ours are logged here, once, and answered as [`AppError::Internal`].
#[cfg(feature = "ssr")]
impl From<crate::services::ServiceError> for AppError {
    fn from(error: crate::services::ServiceError) -> Self {
        use crate::services::ServiceError;
        match error {
            ServiceError::Refused => AppError::Unauthenticated,
            ServiceError::NotFound(what) => AppError::NotFound(what),
            ServiceError::Invalid(message) => AppError::Invalid(message),
            ServiceError::Conflict(message) => AppError::Conflict(message),
            cause @ (ServiceError::Database(_)
            | ServiceError::Session(_)
            | ServiceError::Internal(_)) => {
                tracing::error!(error = %cause, "internal error");
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    fn from(error: tower_sessions::session::Error) -> Self {
        tracing::error!(%error, "session store error");
        AppError::Internal
    }
}
