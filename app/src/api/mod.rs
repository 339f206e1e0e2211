//! Server functions, next to the serialisable types they return. Their bodies run only on the
//! server; the browser build gets a client stub that calls them over HTTP.

pub mod auth;
pub mod exports;
pub mod metrics;
pub mod my_work;
pub mod operations;
pub mod review;
pub mod task_settings;
pub mod tasks;
pub mod tokens;
pub mod users;
