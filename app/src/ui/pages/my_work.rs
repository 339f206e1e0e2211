//! "My work": per task, what the signed-in person answered today, this week and in all, their
//! skips and flags, their accuracy on golden items and their agreement with final verdicts.

use crate::api::my_work::my_work;
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use crate::views::my_work::{percent, TaskWork};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyWorkPage() -> impl IntoView {
    let work = fetch_in_browser(|| (), |_| my_work());
    view! {
        <Title text="My work"/>
        <h1>"My work"</h1>
        {render_fetched(work, "Loading…", |rows| {
            if rows.is_empty() {
                view! {
                    <p class="muted" data-testid="no-work">"You have not answered anything yet. Start from a task on the Tasks page."</p>
                }.into_any()
            } else {
                view! { <WorkTable rows/> }.into_any()
            }
        })}
    }
}

#[component]
fn WorkTable(rows: Vec<TaskWork>) -> impl IntoView {
    view! {
        <table class="table" data-testid="my-work">
            <thead>
                <tr>
                    <th scope="col">"Task"</th>
                    <th scope="col">"Today"</th>
                    <th scope="col">"This week"</th>
                    <th scope="col">"All time"</th>
                    <th scope="col">"Skipped"</th>
                    <th scope="col">"Flagged"</th>
                    <th scope="col" title="Criterion labels that matched the golden labels">"Golden accuracy"</th>
                    <th scope="col" title="Answers that matched the final verdict, on items others also answered">"Agreement with verdicts"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|w| view! {
                    <tr data-testid="work-row" data-task=w.task.clone()>
                        <th scope="row">{w.title}</th>
                        <td data-testid="today">{w.today}</td>
                        <td data-testid="week">{w.this_week}</td>
                        <td data-testid="total">{w.total}</td>
                        <td>{w.skipped}</td>
                        <td>{w.flagged}</td>
                        <td data-testid="golden" title=format!("{} of {} labels on {} golden items", w.golden_labels_matched, w.golden_labels, w.golden_items)>
                            {percent(w.golden_labels_matched, w.golden_labels)}
                        </td>
                        <td data-testid="agreement" title=format!("{} of {} answers", w.verdicts_matched, w.verdicts_compared)>
                            {percent(w.verdicts_matched, w.verdicts_compared)}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <p class="muted small">"Days and weeks are counted in UTC. Undone answers are not counted."</p>
    }
}
