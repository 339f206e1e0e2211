//! Server functions: the browser's entry points to the server. Their bodies run only on the
//! server (checking who is asking, calling services and the database layer, mapping errors to
//! [`crate::AppError`] with their HTTP status); the browser build gets a client stub that calls
//! them over HTTP. The types they exchange live in [`crate::views`].

pub mod auth;
pub mod exports;
pub mod metrics;
pub mod my_work;
pub mod operations;
#[cfg(feature = "ssr")]
pub mod request;
pub mod review;
#[cfg(feature = "ssr")]
pub mod review_request;
pub mod task_settings;
pub mod tasks;
pub mod tokens;
pub mod users;
