//! cojudge's application crate, compiled twice: with `ssr` into the server binary, and with
//! `hydrate` into the browser bundle (see the `frontend` crate).
//!
//! - [`domain`]: plain types and rules, no I/O, shared by both builds.
//! - [`api`]: server functions and the serialisable types they return.
//! - [`server`]: server-only state, authentication and SQL (`ssr` only).
//! - [`ui`]: the pages and components.

// The review page's view types nest deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod domain;
pub mod error;
pub mod response;
#[cfg(feature = "ssr")]
pub mod services;
pub mod ui;
pub mod views;

pub use error::AppError;
pub use ui::shell::{shell, App};
