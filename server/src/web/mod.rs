//! The HTTP side: the axum router with the Leptos pages and server functions, sessions,
//! cross-origin protection, security headers and health endpoints.

pub mod csrf;
pub mod export_files;
pub mod router;
pub mod security_headers;
pub mod server_timing;
pub mod sessions;

pub use router::{build_router, WebConfig};
