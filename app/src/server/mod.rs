//! Server-only parts of the app crate: shared state, passwords, sessions and SQL.
//! Compiled only with the `ssr` feature, so none of it reaches the browser bundle.

pub mod db;
pub mod metrics;
pub mod operations;
pub mod password;
pub mod review_access;
pub mod session;
pub mod session_store;
pub mod state;

pub use review_access::ReviewSettings;
pub use state::AppState;
