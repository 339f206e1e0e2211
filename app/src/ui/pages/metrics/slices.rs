//! Agreement on the overall verdict per judge configuration (pick one to see its figures),
//! per generator version and per week, with a chart of the weeks and the drift warning.

use super::format::percent;
use crate::ui::chart::{level_line, Chart, ChartSpec, Mark, Series, TickFormat};
use crate::views::metrics::{MetricsQuery, SliceAgreement, TaskMetrics};
use leptos::prelude::*;

/// Warns when the latest week's agreement is below the target by more than its interval: its
/// upper bound is under the target.
#[component]
pub fn DriftWarning(weeks: Vec<SliceAgreement>, target: f64) -> impl IntoView {
    let latest = weeks.last().cloned().filter(|week| week.below(target));
    latest.map(|latest| {
        view! {
            <p class="notice warning" role="alert" data-testid="drift-warning">
                {format!(
                    "Drift: in the week of {}, the judge agreed with humans on {} of the overall verdicts, below the {:.0}% target even at the top of its interval.",
                    latest.slice, percent(&latest.accuracy), target * 100.0)}
            </p>
        }
    })
}

#[component]
pub fn SliceTables(data: TaskMetrics, query: RwSignal<MetricsQuery>) -> impl IntoView {
    let chosen = data.judge_config.as_ref().map(|c| c.id);
    let configs = data
        .judge_configs
        .iter()
        .map(|config| {
            let id = config.id;
            let is_chosen = Some(id) == chosen;
            view! {
                <tr class:chosen=is_chosen data-testid="config-row">
                    <th scope="row">{config.model.clone()}</th>
                    <td>{config.prompt_version.clone()}</td>
                    <td>{format!("{} · {}", config.mode, config.confidence_method)}</td>
                    <td class="num">{config.pairs}</td>
                    <td class="num">{percent(&config.accuracy)}</td>
                    <td>
                        {if is_chosen {
                            view! { <span class="muted">"shown above"</span> }.into_any()
                        } else {
                            view! {
                                <button class="button ghost" type="button"
                                    on:click=move |_| query.update(|q| q.judge_config = Some(id))>
                                    "Show"
                                </button>
                            }.into_any()
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Judge configurations"</h2>
            <table class="table" data-testid="config-table">
                <thead><tr>
                    <th scope="col">"Model"</th><th scope="col">"Prompt version"</th><th scope="col">"Mode"</th>
                    <th scope="col" class="num">"Items"</th><th scope="col" class="num">"Accuracy (overall verdict)"</th>
                    <th scope="col"></th>
                </tr></thead>
                <tbody>{configs}</tbody>
            </table>
        </section>
        <section class="card">
            <h2>"By week"</h2>
            {(data.by_week.len() > 1).then(|| view! { <Chart spec=weeks_chart(&data.by_week, data.calibration.target_agreement) testid="weeks-chart"/> })}
            <SliceTable rows=data.by_week.clone() heading="Week (from Monday, UTC)" testid="weeks-table"/>
        </section>
        <section class="card">
            <h2>"By generator version"</h2>
            <SliceTable rows=data.by_generator_version.clone() heading="Generator version" testid="generators-table"/>
        </section>
    }
}

#[component]
fn SliceTable(
    rows: Vec<SliceAgreement>,
    heading: &'static str,
    testid: &'static str,
) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|row| {
            view! {
                <tr>
                    <th scope="row">{row.slice}</th>
                    <td class="num">{row.pairs}</td>
                    <td class="num">{percent(&row.accuracy)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid=testid>
            <thead><tr>
                <th scope="col">{heading}</th><th scope="col" class="num">"Items"</th>
                <th scope="col" class="num">"Accuracy (overall verdict)"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}

fn weeks_chart(weeks: &[SliceAgreement], target: f64) -> ChartSpec {
    let points: Vec<(f64, f64)> = weeks
        .iter()
        .enumerate()
        .filter_map(|(i, w)| Some((i as f64, w.accuracy.as_ref()?.value)))
        .collect();
    let lower: Vec<(f64, f64)> = weeks
        .iter()
        .enumerate()
        .filter_map(|(i, w)| Some((i as f64, w.accuracy.as_ref()?.interval?.lower)))
        .collect();
    ChartSpec {
        title: "Agreement per week".into(),
        x_label: "Week starting".into(),
        y_label: "Agreement".into(),
        x_range: (0.0, (weeks.len() - 1) as f64),
        y_range: (0.0, 1.0),
        x_format: TickFormat::Integer,
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
                format!("Target {:.0}%", target * 100.0),
                target,
                (0.0, (weeks.len() - 1) as f64),
            ),
        ],
        marker: None,
        x_labels: Some(week_labels(weeks)),
    }
}

/// Every week's start as `MM-DD`, thinned to at most eight labels.
fn week_labels(weeks: &[SliceAgreement]) -> Vec<(f64, String)> {
    let every = weeks.len().div_ceil(8).max(1);
    weeks
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, week)| {
            (
                i as f64,
                week.slice.get(5..).unwrap_or(&week.slice).to_string(),
            )
        })
        .collect()
}
