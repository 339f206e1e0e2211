//! Server-only use cases of the app crate, between the server functions (and REST handlers)
//! above and the database layer below: the shared state, accounts (disable, enable, new password), passwords, signing in (throttles, redirects), who a session belongs to,
//! the session store, human review, the metrics page's figures and the operations dashboards.
//! Compiled only with the `ssr` feature, so none of it reaches the browser bundle. Nothing here
//! reads the current request: the edges (`api`, the server crate's `rest` and `web`) do.

pub mod accounts;
pub mod error;
pub mod metrics;
pub mod operations;
pub mod password;
pub mod review;
pub mod session;
pub mod session_store;
pub mod sign_in;
pub mod state;
pub mod task_settings;

pub use error::{ServiceError, ServiceResult};
pub use review::ReviewSettings;
pub use state::AppState;
