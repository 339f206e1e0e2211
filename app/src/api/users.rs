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

/// Disables (`disabled`) or enables the account `email`; admins only, and not their own.
/// Disabling ends the account's sessions at once; the API tokens it made stop working until it
/// is enabled again. Answers what changed, for the page to say.
#[server(endpoint = "users/set_disabled")]
pub async fn set_user_disabled(email: String, disabled: bool) -> Result<String, AppError> {
    use crate::api::request;
    use crate::db::audit::Actor;
    use crate::domain::{Capability, Email};
    use crate::services::accounts;
    let admin = request::require(Capability::Administer).await?;
    let state = request::state()?;
    let email = Email::parse(&email).map_err(|error| {
        crate::response::set_status(400);
        AppError::Invalid(error.to_string())
    })?;
    if disabled && email.as_str() == admin.email {
        crate::response::set_status(409);
        return Err(AppError::Conflict(
            "You cannot disable your own account; ask another admin.".into(),
        ));
    }
    let change = accounts::set_disabled(&state.pool, &email, disabled, Actor::User(admin.id))
        .await
        .map_err(|error| {
            let error = AppError::from(error);
            crate::response::set_status(error.status_code());
            error
        })?;
    tracing::info!(
        user_id = change.user_id,
        disabled,
        admin = admin.id,
        "account access changed"
    );
    Ok(accounts::describe_access_change(&email, disabled, change))
}
