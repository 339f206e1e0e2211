//! axum's `Query` and `Path` extractors with the REST API's errors: a query string or path
//! segment that cannot be read (a mistyped number, an unknown value, a missing parameter, a NUL
//! character) answers 400 `invalid_parameter` as JSON, like every other REST error, instead of
//! axum's plain text (or a database error).

use super::error::ApiError;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// The query string, read into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

/// The path parameters, read into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        refuse_nul(parts.uri.query().unwrap_or_default())?;
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(rejected(rejection.status(), rejection.body_text())),
        }
    }
}

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        refuse_nul(parts.uri.path())?;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(rejected(rejection.status(), rejection.body_text())),
        }
    }
}

/// Refuses a NUL character (`%00`; a URI cannot hold it raw): no name here holds one, and
/// PostgreSQL text cannot, so looking it up would fail in the database.
fn refuse_nul(part: &str) -> Result<(), ApiError> {
    if part
        .as_bytes()
        .windows(3)
        .any(|w| w.eq_ignore_ascii_case(b"%00"))
    {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            "A parameter contains a NUL character (%00).",
        ));
    }
    Ok(())
}

/// A rejection as an [`ApiError`]: 400 for what the client sent; a 5xx (a route whose
/// parameters do not match its handler, a bug) is logged and answered as `internal`.
fn rejected(status: axum::http::StatusCode, text: String) -> ApiError {
    if status.is_server_error() {
        return ApiError::internal(text);
    }
    ApiError::bad_request("invalid_parameter", text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{Request, StatusCode};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Days {
        days: u32,
    }

    #[tokio::test]
    async fn an_unreadable_query_is_a_json_400() {
        let (mut parts, ()) = Request::builder()
            .uri("/x?days=-1")
            .body(())
            .unwrap()
            .into_parts();
        let error = ApiQuery::<Days>::from_request_parts(&mut parts, &())
            .await
            .unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "invalid_parameter");
        assert!(error.message.contains("days"), "{}", error.message);
    }

    #[tokio::test]
    async fn a_nul_character_is_a_json_400() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Task {
            task: String,
        }
        let (mut parts, ()) = Request::builder()
            .uri("/x?task=a%00b")
            .body(())
            .unwrap()
            .into_parts();
        let error = ApiQuery::<Task>::from_request_parts(&mut parts, &())
            .await
            .unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "invalid_parameter");
    }
}
