//! The admin's list of accounts.

use crate::api::users::list_users;
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UsersPage() -> impl IntoView {
    let users = fetch_in_browser(|| (), |_| list_users());
    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <p class="muted">"Add accounts with " <code>"cojudge user add --email … --role …"</code> "."</p>
        {render_fetched(users, "Loading users…", |users| view! {
                        <table class="table" data-testid="users-table">
                            <thead><tr><th>"E-mail"</th><th>"Name"</th><th>"Role"</th><th>"Created"</th><th>"Status"</th></tr></thead>
                            <tbody>
                                {users.into_iter().map(|u| view! {
                                    <tr>
                                        <td>{u.email}</td>
                                        <td>{u.display_name}</td>
                                        <td><span class="badge">{u.role.as_str()}</span></td>
                                        <td>{u.created_at.format("%Y-%m-%d").to_string()}</td>
                                        <td>{if u.disabled { "disabled" } else { "active" }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any())}
    }
}
