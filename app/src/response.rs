//! The HTTP response being written while the server renders a page or answers a server
//! function: its status and headers (no-ops in the browser). Imports nothing of the crate, so
//! every layer that answers a request (pages, server functions, errors) can use it.

/// Sets the response status while rendering on the server.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(code) {
                response.set_status(status);
            }
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// Sets a response header while answering on the server (e.g. `Retry-After`).
#[cfg(feature = "ssr")]
pub fn insert_header(name: http::header::HeaderName, value: &str) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(value) = http::HeaderValue::from_str(value) {
            response.insert_header(name, value);
        }
    }
}

/// The Content-Security-Policy: scripts only from this site, or inline with this response's
/// `nonce` (Leptos' hydration script and the resources it streams carry it), never other
/// inline script; the wasm module needs `wasm-unsafe-eval`.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let inline = nonce.map_or(String::new(), |nonce| format!(" 'nonce-{nonce}'"));
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )
}

/// Sets the page's Content-Security-Policy with the nonce of this response (server only).
pub fn set_page_security_policy() {
    #[cfg(feature = "ssr")]
    if let Some(nonce) = leptos::nonce::use_nonce() {
        insert_header(
            http::header::CONTENT_SECURITY_POLICY,
            &content_security_policy(Some(&nonce)),
        );
    }
}
