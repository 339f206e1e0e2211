//! Each annotator's quality on the task, for admins: accuracy on golden items, agreement with
//! the final verdicts others took part in, and Cohen's κ between every two annotators.

use super::format::percent;
use crate::api::metrics::get_annotator_figures;
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use crate::views::metrics::AnnotatorFigures;
use leptos::prelude::*;

#[component]
pub fn AnnotatorQualitySection(task: String) -> impl IntoView {
    let figures = fetch_in_browser(move || task.clone(), get_annotator_figures);
    view! {
        <h3>"Annotators (admins)"</h3>
        {render_fetched(figures, "Loading annotators…", |figures| view! { <Tables figures/> }.into_any())}
    }
}

#[component]
fn Tables(figures: AnnotatorFigures) -> impl IntoView {
    if figures.annotators.is_empty() {
        return view! { <p class="muted">"No counted answers yet."</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="annotator-quality">
            <thead>
                <tr>
                    <th>"Annotator"</th><th>"Answers"</th><th>"Golden labels"</th>
                    <th>"Accuracy on golden items"</th><th>"Shared verdicts"</th>
                    <th>"Agreement with the final verdict"</th>
                </tr>
            </thead>
            <tbody>
                {figures.annotators.into_iter().map(|a| view! {
                    <tr data-testid="annotator-quality-row" data-name=a.name.clone()>
                        <td>{a.name.clone()}</td>
                        <td>{a.answers}</td>
                        <td>{a.golden_labels}</td>
                        <td data-testid="golden-accuracy">{percent(&a.golden_accuracy)}</td>
                        <td>{a.verdicts_compared}</td>
                        <td data-testid="verdict-agreement">{percent(&a.verdict_agreement)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <p class="muted small">"Cohen's κ between two annotators on the overall verdict (qualified or not) of the items both answered."</p>
        {if figures.pairs.is_empty() {
            view! { <p class="muted">"No two annotators have answered the same item yet."</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="annotator-pairs">
                    <thead><tr><th>"Annotator"</th><th>"Annotator"</th><th>"Shared items"</th><th>"κ"</th></tr></thead>
                    <tbody>
                        {figures.pairs.into_iter().map(|p| view! {
                            <tr data-testid="pair-row">
                                <td>{p.first}</td><td>{p.second}</td><td>{p.shared_items}</td>
                                <td data-testid="pair-kappa">{p.kappa.map_or("–".to_string(), |k| format!("{k:.3}"))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
    .into_any()
}
