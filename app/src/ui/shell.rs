//! The HTML document and the route table.

use super::auth::RequireCapability;
use super::layout::Layout;
use super::pages::{
    admin_tokens::TokensPage, admin_users::UsersPage, errors::NotFound, export::ExportPage,
    home::HomePage, login::LoginPage, metrics::MetricsPage, my_work::MyWorkPage,
    operations::OperationsPage, task_settings::TaskSettingsPage,
};
use super::review::ReviewPage;
use crate::domain::Capability;
use crate::domain::ReviewPurpose;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The whole HTML document, rendered by the server around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    crate::response::set_page_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: routes, each wrapped in the capability it needs.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    view! {
        <Stylesheet id="cojudge" href="/pkg/cojudge.css"/>
        <Title formatter=|page: String| if page.is_empty() { "cojudge".to_string() } else { format!("{page} · cojudge") }/>
        <Router>
            <Routes fallback=|| view! { <Layout><NotFound/></Layout> }>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route
                    path=path!("/")
                    view=|| view! { <Layout><RequireCapability capability=Capability::ViewTasks><HomePage/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/me")
                    view=|| view! { <Layout><RequireCapability capability=Capability::Annotate><MyWorkPage/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/tasks/:task/review")
                    view=|| view! { <Layout><RequireCapability capability=Capability::Annotate><ReviewPage purpose=ReviewPurpose::Annotate/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/tasks/:task/adjudicate")
                    view=|| view! { <Layout><RequireCapability capability=Capability::Adjudicate><ReviewPage purpose=ReviewPurpose::Adjudicate/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/tasks/:task/metrics")
                    view=|| view! { <Layout><RequireCapability capability=Capability::ViewMetrics><MetricsPage/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/tasks/:task/operations")
                    view=|| view! { <Layout><RequireCapability capability=Capability::ViewMetrics><OperationsPage/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/exports")
                    view=|| view! { <Layout><RequireCapability capability=Capability::ManageData><ExportPage/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/admin/tasks/:task")
                    view=|| view! { <Layout><RequireCapability capability=Capability::Administer><TaskSettingsPage/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/admin/users")
                    view=|| view! { <Layout><RequireCapability capability=Capability::Administer><UsersPage/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/admin/tokens")
                    view=|| view! { <Layout><RequireCapability capability=Capability::Administer><TokensPage/></RequireCapability></Layout> }
                    ssr=SsrMode::Async
                />
            </Routes>
        </Router>
    }
}

/// Marks the document once the browser has hydrated it, so end-to-end tests (and people reading
/// the DOM) can tell a live page from server-rendered HTML. Effects run only in the browser.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
