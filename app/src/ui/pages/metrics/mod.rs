//! The metrics page (`/tasks/:task/metrics`): how far the judge has earned trust on a task.
//! Agreement with humans per criterion (RecGPT's Table 9, plus κ and intervals), confusion
//! matrices, calibration with a threshold recommendation an admin can apply, and agreement per
//! judge configuration, generator version and week, with a drift warning.

mod agreement_table;
mod annotators;
mod calibration;
mod evaluations;
mod format;
mod slices;

use crate::api::metrics::get_task_metrics;
use crate::domain::Capability;
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use crate::ui::pages::operations::TaskTabs;
use crate::views::auth::CurrentUser;
use crate::views::metrics::{MetricsQuery, Sample, TaskMetrics};
use agreement_table::{AgreementTable, AnnotatorTable, ConfusionMatrices};
use annotators::AnnotatorQualitySection;
use calibration::CalibrationSection;
use evaluations::Evaluations;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use slices::{DriftWarning, SliceTables};

#[component]
pub fn MetricsPage() -> impl IntoView {
    let params = use_params_map();
    let query = RwSignal::new(MetricsQuery::default());
    // Bumped after a threshold is applied, so the page shows the new routing threshold.
    let applied = RwSignal::new(0u32);
    let metrics = fetch_in_browser(
        move || {
            (
                params.read().get("task").unwrap_or_default(),
                query.get(),
                applied.get(),
            )
        },
        |(task, query, _)| get_task_metrics(task, query),
    );
    let task = move || params.read().get("task").unwrap_or_default();
    view! {
        <Title text=move || format!("Metrics: {}", task())/>
        <h1>{move || format!("Judge metrics: {}", task())}</h1>
        <TaskTabs task=Signal::derive(task) current="metrics"/>
        <Controls query/>
        {render_fetched(metrics, "Computing…", move |data| {
            view! { <MetricsBody data query applied/> }.into_any()
        })}
    }
}

/// The samples the page offers: value, label.
const SAMPLES: [(Sample, &str, &str); 3] = [
    (Sample::Stream, "stream", "The whole stream (weighted)"),
    (Sample::Unbiased, "unbiased", "Audit and golden items"),
    (
        Sample::AllReviewed,
        "all_reviewed",
        "Every reviewed item (biased towards hard cases)",
    ),
];

/// The sample switch and the target agreement.
#[component]
fn Controls(query: RwSignal<MetricsQuery>) -> impl IntoView {
    view! {
        <form class="metrics-controls" on:submit=|event| event.prevent_default()>
            <label>
                "Items "
                <select data-testid="sample" on:change=move |event| {
                    let chosen = event_target_value(&event);
                    if let Some((sample, _, _)) = SAMPLES.iter().find(|(_, value, _)| *value == chosen) {
                        query.update(|q| q.sample = *sample);
                    }
                }>
                    {SAMPLES.into_iter().map(|(sample, value, label)| view! {
                        <option value=value selected=move || query.read().sample == sample>{label}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Target agreement "
                <select data-testid="target" on:change=move |event| {
                    if let Ok(target) = event_target_value(&event).parse::<f64>() {
                        query.update(|q| q.target_agreement = target);
                    }
                }>
                    {[0.8, 0.85, 0.9, 0.95, 0.98, 0.99].into_iter().map(|target| view! {
                        <option value=target.to_string() selected=move || (query.read().target_agreement - target).abs() < 1e-9>
                            {format!("{:.0}%", target * 100.0)}
                        </option>
                    }).collect_view()}
                </select>
            </label>
        </form>
    }
}

#[component]
fn MetricsBody(
    data: TaskMetrics,
    query: RwSignal<MetricsQuery>,
    applied: RwSignal<u32>,
) -> impl IntoView {
    let user = use_context::<CurrentUser>();
    let can_apply = user.is_some_and(|u| u.role.can(Capability::Administer));
    let annotators = view! {
        <section class="card">
            <h2>"Agreement between annotators"</h2>
            <p class="muted small">"Every standing answer on items two or more people answered, whatever the sample above. 1 is perfect agreement, 0 what chance would give."</p>
            <AnnotatorTable rows=data.annotators.clone()/>
            {can_apply.then(|| view! { <AnnotatorQualitySection task=data.task.clone()/> })}
        </section>
    };
    let Some(config) = data.judge_config.clone() else {
        return view! {
            <p class="notice info" data-testid="no-metrics">
                {match data.sample {
                    Sample::Stream => "No item routed to people by the judge (unsure or audited) has both a judgment and a human verdict yet. Golden items are counted apart: choose “Audit and golden items” above.",
                    Sample::Unbiased => "No audit or golden item of this task has both a judgment and a human verdict yet. Choose “Every reviewed item” above to count every human-reviewed item.",
                    Sample::AllReviewed => "No item of this task has both a judgment and a human verdict yet.",
                }}
            </p>
            {annotators}
        }
        .into_any();
    };
    let sample_note = match data.sample {
        Sample::Stream => "Estimated over every item the judge decided or sent to people: each reviewed item counts for the items it stands for (every unsure item was reviewed; each audited item stands for the confident items it was drawn from). Golden items are not part of the stream and are left out.".to_string(),
        Sample::Unbiased => "Counting audit and golden items only, unweighted: reviewed whatever the judge's confidence, but only from above the routing threshold.".to_string(),
        Sample::AllReviewed => "Counting every human-reviewed item, unweighted: biased, since most were sent to humans because the judge was unsure.".to_string(),
    };
    let stream_note = match (data.overall.stream_items, data.overall.effective_sample_size) {
        (Some(items), Some(effective)) => format!(
            " They stand for about {items:.0} judged items; with their weights they are worth {effective:.0} unweighted items (Kish's effective sample size), which sets the width of the intervals."
        ),
        _ => String::new(),
    };
    let intervals = if data.sample == Sample::Stream {
        "Intervals are 95%: Wilson at the effective sample size for proportions, a bootstrap resampling items within each stratum for F1 and κ."
    } else {
        "Intervals are 95%: Wilson for proportions, bootstrap for F1 and κ."
    };
    view! {
        <p class="muted" data-testid="sample-note">{sample_note}</p>
        <DriftWarning weeks=data.by_week.clone() target=data.calibration.target_agreement/>
        <section class="card">
            <h2>"Agreement with humans"</h2>
            <p class="muted small">
                {format!("Judge {} · prompt {} · {} · {} reviewed items compared.{stream_note} Passing labels are the positive class. {intervals}",
                    config.model, config.prompt_version, config.mode, data.overall.pairs)}
            </p>
            <AgreementTable overall=data.overall.clone() criteria=data.criteria.clone()/>
        </section>
        {data.golden.clone().map(|golden| view! {
            <section class="card" data-testid="golden-agreement">
                <h2>"On golden items"</h2>
                <p class="muted small">"The judge against the team's known labels on the golden items it judged: items of known truth, chosen by the team rather than drawn from the stream, so counted apart and never mixed into the figures above. Unweighted; intervals as above."</p>
                <AgreementTable overall=golden.overall criteria=golden.criteria name="golden"/>
            </section>
        })}
        <section class="card">
            <h2>"Confusion matrices"</h2>
            <ConfusionMatrices overall=data.overall.clone() criteria=data.criteria.clone()/>
        </section>
        <CalibrationSection
            task=data.task.clone()
            rubric_version=data.rubric_version
            calibration=data.calibration.clone()
            can_apply
            applied/>
        <SliceTables data=data.clone() query/>
        <section class="card">
            <h2>"Candidate judges"</h2>
            <Evaluations
                task=data.task.clone()
                rubric_version=data.rubric_version
                evaluations=data.evaluations.clone()
                configs=data.judge_configs.clone()
                can_promote=can_apply
                changed=applied/>
        </section>
        {annotators}
    }
    .into_any()
}
