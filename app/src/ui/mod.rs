//! Pages and components. Rendered on the server, then hydrated in the browser.

pub mod auth;
pub mod chart;
pub mod fetch;
pub mod layout;
pub mod pages;
pub mod review;
pub mod shell;
