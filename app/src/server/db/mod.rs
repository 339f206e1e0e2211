//! All SQL of the app, in small functions that take a pool, connection or transaction.
//! Row types here are separate from the serialisable types sent to the browser.

pub mod audit;
pub mod review;
pub mod tasks;
pub mod tokens;
pub mod users;
