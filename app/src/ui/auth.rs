//! The signed-in user as seen by pages: one resource, refetched after signing out, and a
//! wrapper that lets only users with a capability see its children.

use super::pages::errors::{ErrorPanel, Forbidden};
use crate::api::auth::{me, Logout};
use crate::domain::Capability;
use crate::views::auth::CurrentUser;
use crate::AppError;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

/// Shared by every page through context.
#[derive(Clone, Copy)]
pub struct Auth {
    pub logout: ServerAction<Logout>,
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
}

/// Creates the auth context; [`crate::ui::layout::Layout`] calls it for every signed-in page.
pub fn provide_auth() {
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(move || logout.version().get(), |_| me());
    provide_context(Auth { logout, user });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Renders `children` for a signed-in user whose role grants `capability`; sends anyone signed
/// out to the sign-in page (coming back here afterwards) and shows others a 403 page.
///
/// The children are built by a plain reactive closure over the user resource (not inside an
/// async block), so they are created exactly once, after the user is known, on the server and in
/// the browser alike: resources they create then get the same ids on both sides, which hydration
/// needs. The children find the user in context (`use_context::<CurrentUser>()`). Once they
/// are live in the browser, `<html data-page-ready>` is set (for tests).
#[component]
pub fn RequireCapability(capability: Capability, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || auth.user.get().map(|user| match user {
                Ok(Some(user)) if user.role.can(capability) => {
                    provide_context(user);
                    Effect::new(|_| {
                        if let Some(root) = document().document_element() {
                            let _ = root.set_attribute("data-page-ready", "true");
                        }
                    });
                    children.read_value()().into_any()
                }
                Ok(Some(_)) => view! { <Forbidden/> }.into_any(),
                Ok(None) => {
                    let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
                    let target = if here == "/" { "/login".to_string() } else { format!("/login?next={}", encode_query_value(&here)) };
                    view! { <Redirect path=target/> }.into_any()
                }
                Err(error) => view! { <ErrorPanel error/> }.into_any(),
            })}
        </Suspense>
    }
}

/// Percent-encodes the characters that would break a query value.
pub fn encode_query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::encode_query_value;

    #[test]
    fn paths_keep_their_slashes_and_queries_are_escaped() {
        assert_eq!(
            encode_query_value("/admin/users?a=1&b=2"),
            "/admin/users%3Fa%3D1%26b%3D2"
        );
    }
}
