//! What the browser and the REST API exchange with the server: the serialisable types server
//! functions and REST handlers answer with, and the small pure helpers that go with them
//! (parsing a slot list, a safe redirect target). Built from domain types; compiled into both
//! builds. The database layer may return these types; nothing here reads the database.

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

/// Input that cannot be used, with a message for the person who sent it (naming the field or
/// value). Each edge answers it as its own "invalid input" error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);
