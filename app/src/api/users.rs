//! The admin's list of accounts.

use crate::views::users::UserSummary;
use crate::AppError;
use leptos::prelude::*;

/// Every account; admins only.
#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use crate::api::request;
    use crate::db;
    use crate::domain::Capability;
    request::require(Capability::Administer).await?;
    let state = request::state()?;
    Ok(db::users::list(&state.pool).await?)
}
