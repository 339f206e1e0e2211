//! The frame around every signed-in page: brand, navigation, and the account menu.

use super::auth::{provide_auth, use_auth};
use crate::domain::Capability;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // Created here, inside each route, rather than above the router: a resource created before
    // `<Routes>` and read inside them can leave a page's suspense unhydrated (leptos#3699).
    provide_auth();
    view! {
        <div class="app">
            <header class="topbar">
                <a class="brand" href="/">"cojudge"</a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move { account_menu(use_auth().user.await.ok().flatten()) })}
                </Transition>
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}

fn account_menu(user: Option<crate::views::auth::CurrentUser>) -> impl IntoView {
    let logout = use_auth().logout;
    user.map(|user| {
        let is_admin = user.role.can(Capability::Administer);
        let annotates = user.role.can(Capability::Annotate);
        let exports = user.role.can(Capability::ManageData);
        view! {
            <nav class="nav" aria-label="Main">
                <A href="/" exact=true>"Tasks"</A>
                {annotates.then(|| view! { <A href="/me">"My work"</A> })}
                {exports.then(|| view! { <A href="/exports">"Export"</A> })}
                {is_admin.then(|| view! { <A href="/admin/users">"Users"</A> <A href="/admin/tokens">"Tokens"</A> })}
            </nav>
            <div class="account">
                <span data-testid="current-user" class="account-name">{user.email}</span>
                <span class="badge" data-testid="current-role">{user.role.as_str()}</span>
                <ActionForm action=logout attr:class="inline">
                    <button type="submit" class="button ghost">"Sign out"</button>
                </ActionForm>
            </div>
        }
    })
}
