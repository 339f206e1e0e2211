//! Security headers on every response (a page sets its own Content-Security-Policy, with the
//! nonce of its inline scripts: `app::response::set_page_security_policy`), `Strict-Transport-Security` when the app is served over
//! https, and `Cache-Control: no-store` on the answers of server functions and the REST API
//! (they hold personal data, and a new token's secret), so no cache keeps them.

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::set_header::SetResponseHeaderLayer;

/// Two years, with sub-domains: what browsers' preload lists ask for.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// The layers that set the headers; applied in the router. `https` adds HSTS (a browser that
/// reached the app over plain http must not be told to insist on https it may not have).
pub fn layers(https: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let mut layers = vec![
        header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        header(header::REFERRER_POLICY, "same-origin"),
        header(header::X_FRAME_OPTIONS, "DENY"),
        // Pages set their own, with the nonce of their inline scripts; this one allows none.
        SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&app::response::content_security_policy(None))
                .expect("the policy is a valid header value"),
        ),
    ];
    if https {
        layers.push(header(header::STRICT_TRANSPORT_SECURITY, HSTS));
    }
    layers
}

/// The middleware: `Cache-Control: no-store` on every answer under `/api/` (server functions
/// and the REST API) that does not set its own.
pub async fn no_store_for_api(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if api {
        response
            .headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}
