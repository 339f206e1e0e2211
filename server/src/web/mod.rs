//! The HTTP side: the axum router with the Leptos pages and server functions, sessions,
//! cross-origin protection, security headers, the client's address and health endpoints.

pub mod client_ip;
pub mod csrf;
pub mod export_files;
pub mod router;
pub mod security_headers;
pub mod serve;
pub mod server_timing;
pub mod sessions;

pub use client_ip::TrustedProxyHops;
pub use router::{build_router, WebConfig};
pub use serve::serve;
