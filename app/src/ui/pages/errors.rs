//! Error pages (404, 403) and the panel that shows a failed request.

use crate::response::set_status;
use crate::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found"/>
        <section class="error-page" data-testid="not-found">
            <h1>"404 · Page not found"</h1>
            <p>"There is no page at this address."</p>
            <a class="button" href="/">"Go to the tasks"</a>
        </section>
    }
}

#[component]
pub fn Forbidden() -> impl IntoView {
    set_status(403);
    view! {
        <Title text="No access"/>
        <section class="error-page" data-testid="forbidden">
            <h1>"403 · No access"</h1>
            <p>"Your role does not give access to this page. Ask an admin if you need it."</p>
            <a class="button" href="/">"Go to the tasks"</a>
        </section>
    }
}

/// Shows an error from a server function, with the status it stands for.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    set_status(error.status_code());
    view! {
        <section class="error-page" data-testid="error" role="alert">
            <h1>{format!("{} · Something went wrong", error.status_code())}</h1>
            <p>{error.to_string()}</p>
        </section>
    }
}
