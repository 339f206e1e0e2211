//! Agreement per criterion in RecGPT's Table 9 layout (accuracy, precision, recall, F1, with
//! Cohen's κ added), and the confusion matrix behind each row.

use super::format::{cell, decimal, percent};
use crate::views::metrics::{AnnotatorAgreement, CriterionAgreement, Estimate};
use leptos::prelude::*;

fn row_name(row: &CriterionAgreement) -> String {
    row.criterion
        .clone()
        .unwrap_or_else(|| "Overall verdict".into())
}

/// The table; `name` tells its rows and itself apart from the main table's in tests (`NAME-row`
/// and `NAME-table`; `agreement` by default).
#[component]
pub fn AgreementTable(
    overall: CriterionAgreement,
    criteria: Vec<CriterionAgreement>,
    #[prop(optional)] name: Option<&'static str>,
) -> impl IntoView {
    let name = name.unwrap_or("agreement");
    let row_id = format!("{name}-row");
    let rows = std::iter::once(overall).chain(criteria).map(|row| {
        view! {
            <tr data-testid=row_id.clone() data-criterion=row.criterion.clone().unwrap_or_default()>
                <th scope="row">{row_name(&row)}</th>
                <td class="num" data-testid="pairs">{row.pairs}</td>
                <td class="num" data-testid="accuracy">{percent(&row.accuracy)}</td>
                <td class="num">{percent(&row.precision)}</td>
                <td class="num">{percent(&row.recall)}</td>
                <td class="num">{decimal(&row.f1)}</td>
                <td class="num" data-testid="kappa">{decimal(&row.kappa)}</td>
            </tr>
        }
    });
    view! {
        <table class="table" data-testid=format!("{name}-table")>
            <thead>
                <tr>
                    <th scope="col">"Criterion"</th>
                    <th scope="col" class="num">"Items"</th>
                    <th scope="col" class="num">"Accuracy"</th>
                    <th scope="col" class="num">"Precision"</th>
                    <th scope="col" class="num">"Recall"</th>
                    <th scope="col" class="num">"F1"</th>
                    <th scope="col" class="num">"Cohen's κ"</th>
                </tr>
            </thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
}

#[component]
pub fn ConfusionMatrices(
    overall: CriterionAgreement,
    criteria: Vec<CriterionAgreement>,
) -> impl IntoView {
    let matrices = std::iter::once(overall).chain(criteria).map(|row| {
        let header = row
            .labels
            .iter()
            .map(|label| view! { <th scope="col" class="num">{format!("judge: {label}")}</th> })
            .collect_view();
        let body = row
            .labels
            .iter()
            .zip(&row.confusion)
            .enumerate()
            .map(|(human, (label, counts))| {
                let cells = counts
                    .iter()
                    .enumerate()
                    .map(|(judge, count)| {
                        view! { <td class="num" class:agree=human == judge>{cell(*count)}</td> }
                    })
                    .collect_view();
                view! { <tr><th scope="row">{format!("humans: {label}")}</th>{cells}</tr> }
            })
            .collect_view();
        view! {
            <table class="table confusion" data-testid="confusion">
                <caption>{row_name(&row)}</caption>
                <thead><tr><td></td>{header}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        }
    });
    view! { <div class="confusion-grid">{matrices.collect_view()}</div> }
}

/// Krippendorff's α per criterion between annotators.
#[component]
pub fn AnnotatorTable(rows: Vec<AnnotatorAgreement>) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|row| {
            let criterion = row.criterion.clone();
            view! {
                <tr data-testid="annotator-row" data-criterion=criterion>
                    <th scope="row">{row.criterion}</th>
                    <td class="num" data-testid="items">{row.items}</td>
                    <td class="num" data-testid="alpha">{decimal(&row.alpha.map(|value| Estimate { value, interval: row.alpha_interval }))}</td>
                    <td>{format!("{:?}", row.level).to_lowercase()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="annotator-table">
            <thead><tr>
                <th scope="col">"Criterion"</th>
                <th scope="col" class="num">"Items with 2+ answers"</th>
                <th scope="col" class="num">"Krippendorff's α (95% interval)"</th>
                <th scope="col">"Level"</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}
