//! The state every request handler and server function shares. It holds handles only (a pool,
//! settings); nothing in it is mutable, so any number of web processes can serve side by side.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub leptos_options: LeptosOptions,
    /// Review holds and the undo window.
    pub review: super::ReviewSettings,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
