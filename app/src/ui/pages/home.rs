//! The home page: every task with its criteria and item counts per state.

use crate::api::metrics::drift_notes;
use crate::api::tasks::task_summaries;
use crate::domain::{Capability, ItemState, Role};
use crate::ui::fetch::{fetch_in_browser, render_fetched, Fetched};
use crate::views::auth::CurrentUser;
use crate::views::metrics::DriftNote;
use crate::views::tasks::TaskSummary;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let tasks = fetch_in_browser(|| (), |_| task_summaries());
    let role = use_context::<CurrentUser>().map(|user| user.role);
    let sees_metrics = role.is_some_and(|r| r.can(Capability::ViewMetrics));
    // Drift warnings come separately: the cards show first, the warnings when computed.
    let drift = fetch_in_browser(
        || (),
        move |_| async move {
            if sees_metrics {
                drift_notes().await
            } else {
                Ok(Vec::new())
            }
        },
    );
    view! {
        <Title text="Tasks"/>
        <h1>"Tasks"</h1>
        {render_fetched(tasks, "Loading tasks…", move |tasks| {
            if tasks.is_empty() {
                view! { <p class="muted">"No tasks yet."</p> }.into_any()
            } else {
                view! {
                    <div class="task-grid">{tasks.into_iter().map(|task| view! { <TaskCard task role drift/> }).collect_view()}</div>
                }.into_any()
            }
        })}
    }
}

#[component]
fn TaskCard(
    task: TaskSummary,
    role: Option<Role>,
    drift: Fetched<Vec<DriftNote>>,
) -> impl IntoView {
    let name = task.name.clone();
    let drift_note = {
        let name = name.clone();
        move || {
            drift
                .get()
                .and_then(Result::ok)
                .and_then(|notes| notes.into_iter().find(|note| note.task == name))
        }
    };
    let can = move |capability| role.is_some_and(|r| r.can(capability));
    let waiting = |state| {
        task.counts
            .iter()
            .find(|c| c.state == state)
            .map_or(0, |c| c.count)
    };
    let to_review = waiting(ItemState::HumanReview);
    let to_adjudicate = waiting(ItemState::Adjudication);
    let actions = view! {
        <div class="task-actions">
            {can(Capability::Annotate).then(|| view! {
                <a class="button primary" data-testid="start-review" href=format!("/tasks/{name}/review")>
                    {format!("Start reviewing ({to_review})")}
                </a>
            })}
            {can(Capability::ViewMetrics).then(|| view! {
                <a class="button ghost" data-testid="task-metrics" href=format!("/tasks/{name}/metrics")>"Metrics"</a>
            })}
            {can(Capability::Administer).then(|| view! {
                <a class="button ghost" data-testid="task-settings" href=format!("/admin/tasks/{name}")>"Settings"</a>
            })}
            {can(Capability::Adjudicate).then(|| view! {
                <a class="button" data-testid="start-adjudication" href=format!("/tasks/{name}/adjudicate")>
                    {format!("Adjudicate ({to_adjudicate})")}
                </a>
            })}
        </div>
    };
    view! {
        <article class="card task-card" data-testid="task-card" data-task=name>
            <header class="task-card-head">
                <h2>{task.title}</h2>
                <code class="task-name">{task.name}</code>
            </header>
            <p class="muted description" title=task.description.clone()>{task.description.clone()}</p>
            {move || drift_note().map(|note| view! { <DriftBadge note/> })}
            <p class="criteria">
                {task.criteria.into_iter().map(|c| view! { <span class="chip" title=c.definition>{c.title}</span> }).collect_view()}
            </p>
            <p class="muted small">{format!("Scale: {} · rubric v{}", task.scale.join(" / "), task.rubric_version)}</p>
            <dl class="counts">
                {task.counts.into_iter().map(|c| view! {
                    <div class="count" class:zero=c.count == 0 data-testid="state-count" data-state=c.state.as_str()>
                        <dt>{c.state.title()}</dt>
                        <dd>{c.count}</dd>
                    </div>
                }).collect_view()}
                <div class="count total" data-testid="total-count">
                    <dt>"Total"</dt>
                    <dd>{task.total}</dd>
                </div>
            </dl>
            {actions}
        </article>
    }
}

/// The task's judge drifted: its latest week is below the target even at the top of its
/// interval. Links to the metrics page.
#[component]
fn DriftBadge(note: DriftNote) -> impl IntoView {
    let accuracy = note.week.accuracy.as_ref().map_or(0.0, |a| a.value);
    let text = format!(
        "Judge drift: week of {} agreed on {:.1}% of {} verdicts, below the {:.0}% target",
        note.week.slice,
        accuracy * 100.0,
        note.week.pairs,
        note.target * 100.0
    );
    view! {
        <a class="notice warning drift-badge" role="alert" data-testid="drift-badge"
            href=format!("/tasks/{}/metrics", note.task)>{text}</a>
    }
}
