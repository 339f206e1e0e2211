//! The home page: every task with its criteria and item counts per state.

use crate::api::tasks::{task_summaries, TaskSummary};
use crate::ui::pages::errors::ErrorPanel;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let tasks = Resource::new(|| (), |_| task_summaries());
    view! {
        <Title text="Tasks"/>
        <h1>"Tasks"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading tasks…"</p> }>
            {move || Suspend::new(async move {
                match tasks.await {
                    Ok(tasks) if tasks.is_empty() => view! { <p class="muted">"No tasks yet."</p> }.into_any(),
                    Ok(tasks) => view! {
                        <div class="task-grid">{tasks.into_iter().map(|task| view! { <TaskCard task/> }).collect_view()}</div>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TaskCard(task: TaskSummary) -> impl IntoView {
    let name = task.name.clone();
    view! {
        <article class="card task-card" data-testid="task-card" data-task=name>
            <header class="task-card-head">
                <h2>{task.title}</h2>
                <code class="task-name">{task.name}</code>
            </header>
            <p class="muted description" title=task.description.clone()>{task.description.clone()}</p>
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
        </article>
    }
}
