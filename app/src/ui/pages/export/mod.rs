//! The Export page (`/exports`, trainers and admins): a form that starts an export job (shape,
//! format, filters, split, judge-sft rebalancing; checked in the browser with the same rules
//! as the server) and the recent exports with their progress, files and download links,
//! refreshed while any is still running.

mod form;
mod list;

use crate::api::exports::{list_exports, StartExport};
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use leptos::prelude::*;
use leptos_meta::Title;
use std::time::Duration;

/// How often the list is refreshed while an export is queued or running.
const REFRESH: Duration = Duration::from_secs(2);

#[component]
pub fn ExportPage() -> impl IntoView {
    let start = ServerAction::<StartExport>::new();
    let tick = RwSignal::new(0u32);
    let exports = fetch_in_browser(
        move || (start.version().get(), tick.get()),
        |_| list_exports(),
    );
    // In the browser only: refresh while something is still being exported.
    Effect::new(move |_| {
        let timer = set_interval_with_handle(
            move || {
                let active = exports.with_untracked(|data| {
                    matches!(data, Some(Ok(list)) if list.iter().any(|e| e.state == "queued" || e.state == "running"))
                });
                if active {
                    tick.update(|n| *n += 1);
                }
            },
            REFRESH,
        )
        .ok();
        on_cleanup(move || {
            if let Some(timer) = timer {
                timer.clear();
            }
        });
    });
    view! {
        <Title text="Export"/>
        <h1>"Export training data"</h1>
        <p class="muted">
            "Final verdicts as datasets for fine-tuning the generators and the judge. Exports run in the background; "
            "each writes a manifest (row counts, label distribution, sha256 of every file) and can be reproduced byte for byte with "
            <code>"cojudge export --snapshot ID"</code> "."
        </p>
        <form::ExportForm start/>
        <section class="card settings-section">
            <h2>"Recent exports"</h2>
            {render_fetched(exports, "Loading exports…", |list| view! { <list::ExportList list/> }.into_any())}
        </section>
    }
}
