//! The `Server-Timing` response header: how long the server spent on each request, session and
//! database work included, as browsers' developer tools and the review benchmark read it.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// Adds `Server-Timing: app;dur=<milliseconds>` to every response. For a streamed body the time
/// is that of the response head.
pub async fn add_server_timing(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={millis:.3}")) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}
