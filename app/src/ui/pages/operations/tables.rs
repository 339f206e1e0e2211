//! The numbers behind the operations charts, as tables with a CSV download.

use crate::ui::chart::{column_names, NumbersTable};
use crate::views::operations::{ActivityDay, ActivityHour, AnnotatorThroughput, Operations};
use leptos::prelude::*;

fn share(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{:.1}%", v * 100.0))
}

#[component]
pub fn QueueTable(figures: Operations) -> impl IntoView {
    let rows = figures
        .queue
        .iter()
        .map(|p| {
            vec![
                p.at.format("%Y-%m-%d %H:%M").to_string(),
                p.queued.to_string(),
                p.judging.to_string(),
                p.human_review.to_string(),
                p.adjudication.to_string(),
                p.failed.to_string(),
            ]
        })
        .collect();
    let headers = column_names(&[
        "Time (UTC)",
        "Queued",
        "Being judged",
        "Awaiting review",
        "Awaiting adjudication",
        "Failed",
    ]);
    view! { <NumbersTable testid="queue-table" headers rows/> }
}

#[component]
pub fn HourlyTable(hours: Vec<ActivityHour>) -> impl IntoView {
    let rows = hours
        .iter()
        .map(|h| {
            vec![
                h.hour.format("%Y-%m-%d %H:00").to_string(),
                h.judged.to_string(),
                h.judge_errors.to_string(),
                h.evaluated.to_string(),
                h.answers.to_string(),
                h.skips.to_string(),
                h.adjudications.to_string(),
            ]
        })
        .collect();
    let headers = column_names(&[
        "Hour (UTC)",
        "Judged",
        "Judge errors",
        "Candidate judgments",
        "Human answers",
        "Skips",
        "Adjudications",
    ]);
    view! { <NumbersTable testid="hourly-table" headers rows/> }
}

#[component]
pub fn DecisionsTable(days: Vec<ActivityDay>) -> impl IntoView {
    let rows = days
        .iter()
        .map(|d| {
            vec![
                d.day.to_string(),
                d.totals.verdicts_judge.to_string(),
                d.totals.verdicts_human.to_string(),
                d.totals.verdicts_adjudicated.to_string(),
                share(d.human_share),
            ]
        })
        .collect();
    let headers = column_names(&[
        "Day (UTC)",
        "By the judge",
        "By annotators",
        "By adjudication",
        "Human share",
    ]);
    view! { <NumbersTable testid="decisions-table" headers rows/> }
}

#[component]
pub fn CostTable(days: Vec<ActivityDay>) -> impl IntoView {
    let rows = days
        .iter()
        .map(|d| {
            vec![
                d.day.to_string(),
                (d.totals.judged + d.totals.judge_errors + d.totals.evaluated).to_string(),
                d.totals.prompt_tokens.to_string(),
                d.totals.completion_tokens.to_string(),
                format!("{:.4}", d.totals.cost_usd),
            ]
        })
        .collect();
    let headers = column_names(&[
        "Day (UTC)",
        "Judgments",
        "Prompt tokens",
        "Completion tokens",
        "Cost (USD)",
    ]);
    view! { <NumbersTable testid="cost-table" headers rows/> }
}

#[component]
pub fn AnnotatorsTable(people: Vec<AnnotatorThroughput>) -> impl IntoView {
    if people.is_empty() {
        return view! { <p class="muted" data-testid="no-annotators">"Nobody answered in this period."</p> }
            .into_any();
    }
    let rows = people
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.answers.to_string(),
                p.skips.to_string(),
                p.adjudications.to_string(),
                p.active_hours.to_string(),
                p.per_active_hour
                    .map_or_else(String::new, |rate| format!("{rate:.1}")),
            ]
        })
        .collect();
    let headers = column_names(&[
        "Annotator",
        "Answers",
        "Skips",
        "Adjudications",
        "Active hours",
        "Per active hour",
    ]);
    view! { <NumbersTable testid="annotators-table" headers rows/> }.into_any()
}
