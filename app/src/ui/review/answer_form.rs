//! The answer: one choice per criterion on the task's scale (each with its key), the judge's
//! suggestion beside it where shown, the overall verdict derived as it is built, an optional
//! rationale, the flag, and the buttons for submit, skip, undo and the shortcut list.

use super::desk::Desk;
use super::keys::label_key;
use crate::domain::{Criterion, Verdict};
use crate::views::review::{JudgeSuggestion, ReviewCard};
use leptos::prelude::*;

#[component]
pub fn AnswerForm(desk: Desk, card: ReviewCard) -> impl IntoView {
    let criteria = desk.guide.with_value(|g| g.criteria.clone());
    let suggestion = card.suggestion.clone();
    // One wording for every item without a suggestion (blind, unjudged, or a task that hides
    // them), so the page never tells an audit or golden item from another.
    let hidden_note = card.suggestion.is_none().then(|| {
        view! {
            <p class="muted small" data-testid="no-suggestion">
                "No judge suggestion for this item: answer on your own."
            </p>
        }
    });
    view! {
        <section class="card answer" aria-label="Your answer" data-testid="answer-form">
            {suggestion.as_ref().map(|s| view! {
                <p class="judge-overall" data-testid="judge-suggestion">
                    "Judge suggestion (" {s.model.clone()} ")"
                    {s.confidence.map(|c| format!(" · confidence {:.0}%", c * 100.0))}
                </p>
            })}
            {hidden_note}
            {criteria.into_iter().enumerate().map(|(index, criterion)| view! {
                <CriterionChoice desk index criterion suggestion=suggestion.clone()/>
            }).collect_view()}
            <VerdictSummary desk/>
            <label for="rationale" class="small">"Rationale (optional)"</label>
            <textarea id="rationale" rows="2" data-testid="rationale"
                prop:value=move || desk.rationale.get()
                on:input=move |event| desk.rationale.set(event_target_value(&event))></textarea>
            <label class="flag">
                <input type="checkbox" data-testid="flag"
                    prop:checked=move || desk.flagged.get()
                    on:change=move |event| desk.flagged.set(event_target_checked(&event))/>
                " Flag for an admin " <kbd>"F"</kbd>
            </label>
            <div class="actions">
                <button type="button" class="button primary" data-testid="submit" on:click=move |_| desk.submit()>
                    "Submit " <kbd>"Enter"</kbd>
                </button>
                <button type="button" class="button" data-testid="skip" on:click=move |_| desk.skipping.set(true)>
                    "Skip " <kbd>"S"</kbd>
                </button>
                <button type="button" class="button ghost" data-testid="undo" on:click=move |_| desk.undo()>
                    "Undo " <kbd>"Z"</kbd>
                </button>
                <button type="button" class="button ghost" aria-label="Keyboard shortcuts" on:click=move |_| desk.help_open.update(|open| *open = !*open)>
                    <kbd>"?"</kbd>
                </button>
            </div>
        </section>
    }
}

#[component]
fn CriterionChoice(
    desk: Desk,
    index: usize,
    criterion: Criterion,
    suggestion: Option<JudgeSuggestion>,
) -> impl IntoView {
    let labels = desk.guide.with_value(|g| g.scale.labels.clone());
    let suggested = suggestion
        .as_ref()
        .and_then(|s| s.criteria.get(&criterion.name).cloned());
    let suggested_value = suggested.as_ref().map(|s| s.label.clone());
    let name = StoredValue::new(criterion.name.clone());
    let legend_id = format!("criterion-{}", criterion.name);
    let suggestion_line = suggested.map(|s| {
        let title = labels
            .iter()
            .find(|l| l.value == s.label)
            .map_or(s.label.clone(), |l| l.title.clone());
        view! {
            <div class="suggestion small" data-testid="criterion-suggestion">
                "Judge: " <strong>{title}</strong>
                {s.confidence.map(|c| format!(" ({:.0}%)", c * 100.0))}
                {s.rationale.map(|r| view! { <span class="muted">" — " {r}</span> })}
            </div>
        }
    });
    view! {
        <fieldset class="criterion" data-testid="criterion" data-criterion=criterion.name.clone()>
            <legend id=legend_id.clone()>{criterion.title.clone()}</legend>
            <p class="muted small definition">{criterion.definition.clone()}</p>
            <div class="choices" role="radiogroup" aria-labelledby=legend_id>
                {labels.into_iter().enumerate().map(|(label_index, label)| {
                    let value = StoredValue::new(label.value.clone());
                    let chosen = move || desk.labels.with(|l| l.get(&name.get_value()) == Some(&value.get_value()));
                    let key = label_key(index, label_index);
                    let is_suggested = suggested_value.as_deref() == Some(label.value.as_str());
                    view! {
                        <label class="choice" class:chosen=chosen class:passes=label.passes class:suggested=is_suggested
                            data-label=label.value.clone() data-testid="choice">
                            <input type="radio" name=format!("criterion-{}", name.get_value()) value=label.value.clone()
                                prop:checked=chosen
                                on:change=move |_| desk.choose(&name.get_value(), &value.get_value())/>
                            <span>{label.title.clone()}</span>
                            {key.map(|k| view! { <kbd>{k.to_string()}</kbd> })}
                        </label>
                    }
                }).collect_view()}
            </div>
            {suggestion_line}
        </fieldset>
    }
}

/// "Qualified · grade S" once every criterion has a label, otherwise how many are left.
#[component]
fn VerdictSummary(desk: Desk) -> impl IntoView {
    let summary = move || {
        let labels = desk.labels.get();
        desk.guide.with_value(|g| {
            match Verdict::from_rubric(&g.criteria, &g.scale, &g.grading, &labels) {
                Ok(verdict) if verdict.qualified => (
                    "qualified",
                    format!("Qualified · grade {}", verdict.grade.as_str()),
                ),
                Ok(verdict) => {
                    let failed = verdict
                        .failed_criteria
                        .iter()
                        .filter_map(|name| g.criteria.iter().find(|c| &c.name == name))
                        .map(|c| c.title.clone())
                        .collect::<Vec<_>>()
                        .join(", ");
                    (
                        "unqualified",
                        format!("Not qualified · grade B (fails {failed})"),
                    )
                }
                Err(_) => (
                    "incomplete",
                    format!("{} of {} criteria chosen", labels.len(), g.criteria.len()),
                ),
            }
        })
    };
    view! {
        <p class=move || format!("verdict {}", summary().0) data-testid="verdict" aria-live="polite">{move || summary().1}</p>
    }
}
