//! The operations page (`/tasks/:task/operations`): how work flows through a task. Queue depth
//! per state over time, items judged and reviewed per hour, the human share of decisions, the
//! judge's tokens and cost per day, and (for admins) each annotator's throughput. Every chart
//! has its numbers as a table and a CSV download.

mod charts;
mod tables;

use crate::api::operations::get_operations;
use crate::ui::chart::Chart;
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use crate::views::operations::{Operations, PERIODS};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn OperationsPage() -> impl IntoView {
    let params = use_params_map();
    let days = RwSignal::new(PERIODS[1]);
    let task = move || params.read().get("task").unwrap_or_default();
    let figures = fetch_in_browser(
        move || (task(), days.get()),
        |(task, days)| get_operations(task, days),
    );
    view! {
        <Title text=move || format!("Operations: {}", task())/>
        <h1>{move || format!("Operations: {}", task())}</h1>
        <TaskTabs task=Signal::derive(task) current="operations"/>
        <form class="metrics-controls" on:submit=|event| event.prevent_default()>
            <label>
                "Period "
                <select data-testid="period" on:change=move |event| {
                    if let Ok(chosen) = event_target_value(&event).parse::<u32>() {
                        days.set(chosen);
                    }
                }>
                    {PERIODS.into_iter().map(|period| view! {
                        <option value=period.to_string() selected=move || days.get() == period>
                            {period_name(period)}
                        </option>
                    }).collect_view()}
                </select>
            </label>
        </form>
        {render_fetched(figures, "Loading…", |figures| view! { <Dashboards figures/> }.into_any())}
    }
}

/// Links between a task's judge metrics and its operations.
#[component]
pub fn TaskTabs(task: Signal<String>, current: &'static str) -> impl IntoView {
    let tab = move |key: &'static str, label: &'static str| {
        view! {
            <a href=move || format!("/tasks/{}/{key}", task.get())
                aria-current=(key == current).then_some("page")
                data-testid=format!("tab-{key}")>{label}</a>
        }
    };
    view! {
        <nav class="page-tabs" aria-label="Task pages">
            {tab("metrics", "Judge metrics")}
            {tab("operations", "Operations")}
        </nav>
    }
}

fn period_name(days: u32) -> String {
    match days {
        1 => "Last 24 hours".to_owned(),
        days => format!("Last {days} days"),
    }
}

#[component]
fn Dashboards(figures: Operations) -> impl IntoView {
    let sampled = match figures.last_sample_at {
        Some(at) => format!(
            "Queue last sampled at {} UTC; work is rolled up at the same time. Times are UTC.",
            at.format("%Y-%m-%d %H:%M")
        ),
        None => "The queue has not been sampled yet: a cojudge web or worker process samples it once a minute. Times are UTC.".to_owned(),
    };
    let annotators = figures.annotators.clone().map(|people| {
        view! {
            <section class="card">
                <h2>"Annotator throughput"</h2>
                {(!people.is_empty()).then(|| view! { <Chart spec=charts::annotators(&figures, &people) testid="annotators-chart"/> })}
                <tables::AnnotatorsTable people/>
            </section>
        }
    });
    view! {
        <p class="muted small" data-testid="sampling-note">{sampled}</p>
        <div class="chart-pair">
            <section class="card">
                <h2>"Queue depth"</h2>
                <p class="muted small">{format!("Items waiting in each state, as last sampled in each {} bin.", bin_name(figures.queue_bin_minutes))}</p>
                <Chart spec=charts::queue(&figures) testid="queue-chart"/>
                <tables::QueueTable figures=figures.clone()/>
            </section>
            <section class="card">
                <h2>"Judged and reviewed per hour"</h2>
                <p class="muted small">"Answers the judge gave (failed calls apart), and people's answers and adjudications."</p>
                <Chart spec=charts::hourly(&figures) testid="hourly-chart"/>
                <tables::HourlyTable hours=figures.hours.clone()/>
            </section>
        </div>
        <div class="chart-pair">
            <section class="card">
                <h2>"Who decided"</h2>
                <p class="muted small">"Final verdicts per day, and the share people decided (annotators or adjudication) rather than the judge alone."</p>
                <Chart spec=charts::human_share(&figures) testid="human-share-chart"/>
                <tables::DecisionsTable days=figures.days_totals.clone()/>
            </section>
            <section class="card">
                <h2>"Judge tokens and cost"</h2>
                <Chart spec=charts::tokens(&figures) testid="tokens-chart"/>
                <Chart spec=charts::cost(&figures) testid="cost-chart"/>
                <tables::CostTable days=figures.days_totals.clone()/>
            </section>
        </div>
        {annotators}
    }
    .into_any()
}

fn bin_name(minutes: u32) -> String {
    match minutes {
        m if m % 60 == 0 && m > 60 => format!("{}-hour", m / 60),
        60 => "1-hour".to_owned(),
        m => format!("{m}-minute"),
    }
}
