//! Page data fetched in the browser, after hydration, into a plain signal.
//!
//! Pages sit inside the sign-in check's `<Suspense>`. A resource created in there is not reliably
//! created the same number of times on the server and in the browser, and when the two disagree
//! the browser reads another resource's data and the page fails to hydrate. So page data does not
//! use resources: the server renders the page's frame with a loading line, and the browser fetches
//! the data once it runs, refetching when `source` changes (e.g. after an action). Old data stays
//! on screen while a refetch is under way; a late answer to an older fetch is ignored.

use crate::ui::pages::errors::ErrorPanel;
use crate::AppError;
use leptos::prelude::*;
use std::future::Future;

/// The latest answer of `fetch(source())`; `None` until the first arrives.
pub type Fetched<T> = RwSignal<Option<Result<T, AppError>>>;

pub fn fetch_in_browser<S, T, Fut>(
    source: impl Fn() -> S + 'static,
    fetch: impl Fn(S) -> Fut + 'static,
) -> Fetched<T>
where
    S: 'static,
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + 'static,
{
    let data: Fetched<T> = RwSignal::new(None);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let request = fetch(source());
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            let answer = request.await;
            if generation.try_get_value() == Some(mine) {
                data.set(Some(answer));
            }
        });
    });
    data
}

/// Renders `data`: `loading` until it arrives, the error panel on failure, else `render`.
pub fn render_fetched<T: Clone + Send + Sync + 'static>(
    data: Fetched<T>,
    loading: &'static str,
    render: impl Fn(T) -> AnyView + 'static,
) -> impl Fn() -> AnyView {
    move || match data.get() {
        None => view! { <p class="muted" data-testid="loading">{loading}</p> }.into_any(),
        Some(Ok(value)) => render(value),
        Some(Err(error)) => view! { <ErrorPanel error/> }.into_any(),
    }
}
