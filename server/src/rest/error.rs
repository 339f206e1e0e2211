//! The error every REST (`/api/v1`) handler returns, as JSON:
//! `{"error": {"code": "...", "message": "...", "details": [...]}}`.
//!
//! Policy:
//! - `code` is stable, lower_snake_case, and documented; clients match on it, never on
//!   `message`, which is written for people and may change.
//! - `details` lists specifics a client can act on (e.g. one entry per rejected row); it is
//!   empty otherwise.
//! - Nothing internal is returned: no SQL, file paths, stack traces or secrets.
//! - A 5xx is logged once, where its cause is known ([`ApiError::internal`], `From<sqlx::Error>`),
//!   and the client only gets code `internal` with a generic message.
//! - A 401 carries `WWW-Authenticate: Bearer` (RFC 6750).

use app::services::ServiceError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// 400: the request is wrong in a way the client can fix.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: no credentials, or credentials that do not work.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403 `forbidden`: authenticated, but not allowed.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404 with a code naming what was not found.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 500 `internal`: logs `cause` (once, here) and tells the client nothing about it.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error in the REST API");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side. It has been logged; please try again.",
        )
    }

    pub fn with_details(mut self, details: Vec<Value>) -> ApiError {
        self.details = details;
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({ "error": { "code": self.code, "message": self.message, "details": self.details } })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = match self.code {
                "invalid_token" => r#"Bearer realm="cojudge", error="invalid_token""#,
                _ => r#"Bearer realm="cojudge""#,
            };
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

/// The error body, as documented in the OpenAPI spec.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documentation only: the body is built by `ApiError::body`
pub struct ErrorBody {
    error: ErrorDetail,
}

/// The content of an error body.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documentation only
pub struct ErrorDetail {
    /// Stable, lower_snake_case; match on this.
    code: String,
    /// For people; may change.
    message: String,
    /// Specifics, e.g. one entry per invalid line: `{line, field, message}`.
    details: Vec<serde_json::Value>,
}

/// A service's error (`app::services`), as the REST API answers it: the one mapping at this
/// edge. Causes that are ours are logged here, once.
impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> ApiError {
        match error {
            ServiceError::Refused => ApiError::forbidden("Your role does not allow this."),
            ServiceError::NotFound(what) => {
                ApiError::not_found("not_found", format!("{what} was not found."))
            }
            ServiceError::Invalid(message) => ApiError::bad_request("invalid_parameter", message),
            ServiceError::Conflict(message) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
            }
            cause @ (ServiceError::Database(_)
            | ServiceError::Session(_)
            | ServiceError::Internal(_)) => ApiError::internal(cause),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> ApiError {
        ApiError::internal(format_args!("database: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_code_message_and_details() {
        let error = ApiError::bad_request("invalid_row", "Row 3 is not JSON.")
            .with_details(vec![json!({ "line": 3 })]);
        assert_eq!(
            error.body(),
            json!({ "error": { "code": "invalid_row", "message": "Row 3 is not JSON.", "details": [{ "line": 3 }] } })
        );
    }

    #[test]
    fn an_internal_error_hides_its_cause() {
        let error = ApiError::internal("relation \"secret_table\" does not exist");
        assert_eq!(error.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error.code, "internal");
        assert!(!error.message.contains("secret_table"));
    }

    #[test]
    fn service_errors_keep_their_meaning_and_hide_their_causes() {
        let conflict = ApiError::from(ServiceError::Conflict("Saved meanwhile.".into()));
        assert_eq!(
            (conflict.status, conflict.code),
            (StatusCode::CONFLICT, "conflict")
        );
        let missing = ApiError::from(ServiceError::NotFound("Task `x`".into()));
        assert_eq!(
            (missing.status, missing.code),
            (StatusCode::NOT_FOUND, "not_found")
        );
        let refused = ApiError::from(ServiceError::Refused);
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let internal = ApiError::from(ServiceError::Internal("slot 7 has no card".into()));
        assert_eq!(internal.code, "internal");
        assert!(!internal.message.contains("slot 7"));
    }

    #[test]
    fn a_401_challenges_for_a_bearer_token() {
        let response = ApiError::unauthorized("invalid_token", "no").into_response();
        let challenge = response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap();
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(challenge.contains("invalid_token"));
    }
}
