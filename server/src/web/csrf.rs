//! Cross-origin request refusal: a state-changing request (anything but GET, HEAD, OPTIONS)
//! whose `Origin` is not this site, or that the browser labels `Sec-Fetch-Site: cross-site`, is
//! refused with 403 before it reaches a handler. Requests without either header (curl, API
//! clients using bearer tokens) carry no ambient cookie risk and pass.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The origins that may send state-changing requests, besides the request's own `Host`.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(pub Arc<Vec<String>>);

pub async fn refuse_cross_origin(
    State(allowed): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe_method(request.method()) || is_same_origin(request.headers(), &allowed) {
        return next.run(request).await;
    }
    tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-origin request");
    (StatusCode::FORBIDDEN, "Cross-origin request refused.").into_response()
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_same_origin(headers: &HeaderMap, allowed: &AllowedOrigins) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return false;
        }
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(origin);
        return origin_host.eq_ignore_ascii_case(host)
            || allowed.0.iter().any(|a| a.eq_ignore_ascii_case(origin));
    }
    !matches!(
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
        Some("cross-site")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn allowed() -> AllowedOrigins {
        AllowedOrigins(Arc::new(vec!["https://judge.example.org".into()]))
    }

    #[test]
    fn a_request_from_the_same_host_passes() {
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            &allowed()
        ));
    }

    #[test]
    fn a_request_from_another_origin_is_refused() {
        assert!(!is_same_origin(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            &allowed()
        ));
    }

    #[test]
    fn the_public_url_origin_passes_behind_a_proxy() {
        assert!(is_same_origin(
            &headers(&[
                ("origin", "https://judge.example.org"),
                ("host", "10.0.0.5:3000")
            ]),
            &allowed()
        ));
    }

    #[test]
    fn an_opaque_null_origin_is_refused() {
        assert!(!is_same_origin(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            &allowed()
        ));
    }

    #[test]
    fn a_cross_site_fetch_without_origin_is_refused_and_a_plain_client_passes() {
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &allowed()
        ));
        assert!(is_same_origin(&headers(&[]), &allowed()));
    }
}
