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
