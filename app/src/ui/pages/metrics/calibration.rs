//! Calibration: the reliability diagram (confidence against observed agreement), the
//! risk–coverage curve (what share the judge would decide alone at each threshold, and how often
//! those verdicts agree with humans), and the recommended threshold, which an admin can apply
//! to the task's routing in one click (a new rubric version and an audit entry).

use crate::api::metrics::ApplyThreshold;
use crate::domain::agreement::{Interval, RiskCoveragePoint};
use crate::ui::chart::{
    column_names, level_line, Chart, ChartSpec, Mark, NumbersTable, Series, TickFormat,
};
use crate::views::metrics::{Calibration, Sample};
use leptos::prelude::*;

#[component]
pub fn CalibrationSection(
    task: String,
    rubric_version: i32,
    calibration: Calibration,
    can_apply: bool,
    applied: RwSignal<u32>,
) -> impl IntoView {
    let ece = calibration
        .reliability
        .expected_calibration_error
        .map(|e| format!("Expected calibration error: {:.1} points.", e * 100.0))
        .unwrap_or_default();
    view! {
        <section class="card">
            <h2>"Calibration"</h2>
            <p class="muted small" data-testid="calibration-sample">{match calibration.sample {
                Sample::Stream => "Over the whole stream: below the routing threshold every item was reviewed, above it the audit stands for the rest, so every threshold is estimated (weighted). The reliability diagram counts reviewed items per bin as they are.",
                Sample::Unbiased => "On the audit and golden items, unweighted.",
                Sample::AllReviewed => "On every human-reviewed item, unweighted (biased towards the judge's hard cases).",
            }}</p>
            <Recommendation task rubric_version calibration=calibration.clone() can_apply applied/>
            <div class="chart-pair">
                <div>
                    <Chart spec=reliability_chart(&calibration) testid="reliability-chart"/>
                    <p class="muted small">{ece}</p>
                    <ReliabilityTable calibration=calibration.clone()/>
                </div>
                <div>
                    <Chart spec=risk_coverage_chart(&calibration) testid="risk-coverage-chart"/>
                    <RiskCoverageTable points=calibration.risk_coverage.clone()/>
                </div>
            </div>
        </section>
    }
}

#[component]
fn Recommendation(
    task: String,
    rubric_version: i32,
    calibration: Calibration,
    can_apply: bool,
    applied: RwSignal<u32>,
) -> impl IntoView {
    let apply = ServerAction::<ApplyThreshold>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = apply.value().get() {
            applied.update(|n| *n += 1);
        }
    });
    let target = calibration.target_agreement;
    let current = calibration.current_threshold;
    let Some(best) = calibration.recommendation.clone() else {
        return view! {
            <p class="notice warning" data-testid="no-recommendation">
                {format!("No threshold is certified to reach {:.0}% agreement with 95% confidence: keep sending items to humans, or collect more reviewed items.", target * 100.0)}
            </p>
        }
        .into_any();
    };
    let threshold = best.threshold;
    let same = (threshold - current).abs() < 1e-9;
    let error = move || {
        apply.value().get().and_then(Result::err).map(|error| {
            view! { <p class="form-error" role="alert">{error.to_string()}</p> }
        })
    };
    view! {
        <div class="notice info" data-testid="recommendation">
            <p>
                {format!(
                    "Recommended threshold {:.2}: the judge decides {:.1}% of items alone, humans review {:.1}%. Agreement of the judge's own verdicts: {:.1}% (95% interval {:.1}–{:.1}%, {} reviewed items). Current threshold: {:.2}.",
                    threshold, best.coverage * 100.0, best.human_share * 100.0, best.agreement * 100.0,
                    best.agreement_interval.lower * 100.0, best.agreement_interval.upper * 100.0,
                    best.accepted, current)}
            </p>
            <p data-testid="guarantee">
                {format!(
                    "What is guaranteed: auto-accepted verdicts agree with people at least {:.0}% of the time, with {:.0}% confidence, over the items this {} has seen. {} (fixed-sequence testing), so looking at many thresholds does not weaken the promise. It says nothing about items unlike those seen so far.",
                    target * 100.0, best.confidence_level * 100.0,
                    if calibration.sample == Sample::Stream { "task" } else { "sample" },
                    match best.thresholds_tested {
                        1 => "One threshold was tested, the first with enough reviewed items".to_string(),
                        tested => format!("The {tested} thresholds tested from the top down were certified together"),
                    })}
            </p>
            {(can_apply && !same).then(|| view! {
                <button class="button primary" data-testid="apply-threshold" disabled=move || apply.pending().get()
                    on:click=move |_| {
                        apply.dispatch(ApplyThreshold {
                            task: task.clone(),
                            based_on: rubric_version,
                            threshold,
                            target_agreement: target,
                        });
                    }>
                    {format!("Apply threshold {threshold:.2}")}
                </button>
            })}
            {same.then(|| view! { <p class="muted small" data-testid="threshold-applied">"This is the task's threshold now."</p> })}
            {error}
        </div>
    }
    .into_any()
}

fn reliability_chart(calibration: &Calibration) -> ChartSpec {
    let bins = &calibration.reliability.bins;
    let observed: Vec<(f64, f64)> = bins
        .iter()
        .filter_map(|bin| Some(((bin.lower + bin.upper) / 2.0, bin.observed_agreement?)))
        .collect();
    ChartSpec {
        title: "Reliability: judge confidence against observed agreement".into(),
        x_label: "Judge confidence".into(),
        y_label: "Agreement with humans".into(),
        x_range: (0.0, 1.0),
        y_range: (0.0, 1.0),
        x_format: TickFormat::Decimal,
        y_format: TickFormat::Percent,
        series: vec![
            Series {
                name: "Observed agreement".into(),
                mark: Mark::Bars { width_permille: 80 },
                points: observed,
            },
            Series {
                name: "Perfect calibration".into(),
                mark: Mark::Dashed,
                points: vec![(0.0, 0.0), (1.0, 1.0)],
            },
        ],
        marker: None,
        x_labels: None,
    }
}

fn risk_coverage_chart(calibration: &Calibration) -> ChartSpec {
    let mut points: Vec<(f64, f64)> = calibration
        .risk_coverage
        .iter()
        .map(|p| (p.coverage, p.agreement))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let lower: Vec<(f64, f64)> = {
        let mut lower: Vec<(f64, f64)> = calibration
            .risk_coverage
            .iter()
            .map(|p| (p.coverage, p.agreement_interval.lower))
            .collect();
        lower.sort_by(|a, b| a.0.total_cmp(&b.0));
        lower
    };
    let floor = points
        .iter()
        .chain(&lower)
        .map(|p| p.1)
        .fold(calibration.target_agreement, f64::min);
    let y_min = ((floor * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    ChartSpec {
        title: "Risk–coverage: share decided by the judge alone against its agreement".into(),
        x_label: "Share of items the judge decides alone".into(),
        y_label: "Agreement of those verdicts".into(),
        x_range: (0.0, 1.0),
        y_range: (y_min, 1.0),
        x_format: TickFormat::Percent,
        y_format: TickFormat::Percent,
        series: vec![
            Series {
                name: "Agreement".into(),
                mark: Mark::Line,
                points,
            },
            Series {
                name: "Lower 95% bound".into(),
                mark: Mark::Dashed,
                points: lower,
            },
            level_line(
                format!("Target {:.0}%", calibration.target_agreement * 100.0),
                calibration.target_agreement,
                (0.0, 1.0),
            ),
        ],
        marker: None,
        x_labels: None,
    }
}

fn interval_text(interval: Option<Interval>) -> String {
    interval
        .map(|i| format!("{:.1}–{:.1}%", i.lower * 100.0, i.upper * 100.0))
        .unwrap_or_default()
}

#[component]
fn ReliabilityTable(calibration: Calibration) -> impl IntoView {
    let rows = calibration
        .reliability
        .bins
        .into_iter()
        .filter(|bin| bin.total > 0)
        .map(|bin| {
            vec![
                format!("{:.1}–{:.1}", bin.lower, bin.upper),
                bin.total.to_string(),
                bin.mean_confidence
                    .map(|c| format!("{c:.3}"))
                    .unwrap_or_default(),
                bin.observed_agreement
                    .map(|a| format!("{:.1}%", a * 100.0))
                    .unwrap_or_default(),
                interval_text(bin.agreement_interval),
            ]
        })
        .collect();
    let headers = column_names(&[
        "Confidence",
        "Items",
        "Mean confidence",
        "Agreement",
        "95% interval",
    ]);
    view! { <NumbersTable testid="reliability-table" headers rows/> }
}

#[component]
fn RiskCoverageTable(points: Vec<RiskCoveragePoint>) -> impl IntoView {
    let rows = points
        .into_iter()
        .map(|p| {
            vec![
                format!("{:.2}", p.threshold),
                format!("{:.1}%", p.coverage * 100.0),
                p.accepted.to_string(),
                format!("{:.1}%", p.agreement * 100.0),
                interval_text(Some(p.agreement_interval)),
            ]
        })
        .collect();
    let headers = column_names(&[
        "Threshold",
        "Judge alone",
        "Items",
        "Agreement",
        "95% interval",
    ]);
    view! { <NumbersTable testid="risk-coverage-table" headers rows/> }
}
