//! For adjudication: every annotator's answer and the judge's, criterion by criterion, with the
//! criteria where they differ marked.

use crate::domain::LabelScale;
use crate::views::review::ReviewCard;
use leptos::prelude::*;

#[component]
pub fn AnswersTable(
    card: ReviewCard,
    scale: LabelScale,
    criteria: Vec<(String, String)>,
) -> impl IntoView {
    let title = move |value: &str| {
        scale
            .label(value)
            .map_or(value.to_string(), |label| label.title.clone())
    };
    let judge = card.suggestion.clone();
    let rows = criteria
        .iter()
        .map(|(name, criterion_title)| {
            let human: Vec<String> = card
                .answers
                .iter()
                .map(|a| a.labels.get(name).cloned().unwrap_or_default())
                .collect();
            let disagree = human.windows(2).any(|pair| pair[0] != pair[1]);
            let judged = judge
                .as_ref()
                .and_then(|j| j.criteria.get(name))
                .map(|s| title(&s.label))
                .unwrap_or_else(|| "—".to_string());
            view! {
                <tr class:disagree=disagree data-criterion=name.clone()>
                    <th scope="row">{criterion_title.clone()}</th>
                    {human.iter().map(|value| view! { <td>{title(value)}</td> }).collect_view()}
                    <td class="muted">{judged}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card answers" data-testid="answers-table" aria-label="Answers so far">
            <h3>"Answers so far"</h3>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Criterion"</th>
                        {card.answers.iter().map(|a| view! { <th scope="col">{a.annotator.clone()}</th> }).collect_view()}
                        <th scope="col">"Judge"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {card.answers.iter().filter(|a| a.rationale.is_some() || a.flagged).map(|a| view! {
                <p class="small">
                    <strong>{a.annotator.clone()}</strong>
                    {a.flagged.then_some(" (flagged)")}
                    ": " {a.rationale.clone().unwrap_or_default()}
                </p>
            }).collect_view()}
        </section>
    }
}
