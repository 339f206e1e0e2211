//! The admin's list of accounts, with a Disable (or Enable) button per account: disabling ends
//! the account's sessions at once and stops the API tokens it made.

use crate::api::users::{list_users, SetUserDisabled};
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use crate::views::auth::CurrentUser;
use crate::views::users::UserSummary;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UsersPage() -> impl IntoView {
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let users = fetch_in_browser(move || set_disabled.version().get(), |_| list_users());
    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <p class="muted">
            "Add accounts with " <code>"cojudge user add --email … --role …"</code>
            ". Disabling an account signs it out everywhere at once; the API tokens it made stop working until it is enabled again."
        </p>
        {move || set_disabled.value().get().map(|result| match result {
            Ok(message) => view! { <p class="notice info" role="status" data-testid="users-status">{message}</p> }.into_any(),
            Err(error) => view! { <p class="form-error" role="alert" data-testid="users-status">{error.to_string()}</p> }.into_any(),
        })}
        {render_fetched(users, "Loading users…", move |users| view! {
            <table class="table" data-testid="users-table">
                <thead><tr><th>"E-mail"</th><th>"Name"</th><th>"Role"</th><th>"Created"</th><th>"Status"</th><th></th></tr></thead>
                <tbody>
                    {users.into_iter().map(|user| view! { <UserRow user set_disabled/> }).collect_view()}
                </tbody>
            </table>
        }.into_any())}
    }
}

#[component]
fn UserRow(user: UserSummary, set_disabled: ServerAction<SetUserDisabled>) -> impl IntoView {
    let is_me = use_context::<CurrentUser>().is_some_and(|me| me.id == user.id);
    let status = if user.disabled { "disabled" } else { "active" };
    let (button, label) = if user.disabled {
        ("Enable", format!("Enable {}", user.email))
    } else {
        ("Disable", format!("Disable {}", user.email))
    };
    let email = user.email.clone();
    let action = (!is_me).then(move || {
        view! {
            <ActionForm action=set_disabled attr:class="inline">
                <input type="hidden" name="email" value=email/>
                <input type="hidden" name="disabled" value=(!user.disabled).to_string()/>
                <button type="submit" class="button ghost" class:danger=!user.disabled aria-label=label>{button}</button>
            </ActionForm>
        }
    });
    let row_email = user.email.clone();
    view! {
        <tr data-testid="user-row" data-email=row_email data-status=status>
            <td>{user.email}</td>
            <td>{user.display_name}</td>
            <td><span class="badge">{user.role.as_str()}</span></td>
            <td>{user.created_at.format("%Y-%m-%d").to_string()}</td>
            <td><span class=format!("account-status {status}")>{status}</span></td>
            <td>{action}</td>
        </tr>
    }
}
