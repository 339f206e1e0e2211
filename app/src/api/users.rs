//! The admin's list of accounts.

use crate::domain::Role;
use crate::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One account as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
}

/// Every account; admins only.
#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::domain::Capability;
    use crate::server::{db, session, AppState};
    session::require(Capability::Administer).await?;
    let state = AppState::from_context()?;
    Ok(db::users::list(&state.pool).await?)
}
