//! Candidate judges tried with `cojudge judge eval`: what each was, on how many items, how well
//! it agreed with humans, how it compares with the task's judge on exactly the same items (the
//! paired difference and the exact McNemar test, both judges' Table 9 on that set), and, for
//! admins, a button that makes it the task's judge — after a confirmation when the difference
//! is not significant.

use super::agreement_table::AgreementTable;
use super::format::percent;
use crate::api::metrics::PromoteJudge;
use crate::views::metrics::{EvaluationSummary, JudgeConfigSummary, PairedEvaluation};
use leptos::prelude::*;

#[component]
pub fn Evaluations(
    task: String,
    rubric_version: i32,
    evaluations: Vec<EvaluationSummary>,
    configs: Vec<JudgeConfigSummary>,
    can_promote: bool,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let promote = ServerAction::<PromoteJudge>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = promote.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    let error = move || {
        promote.value().get().and_then(Result::err).map(|error| {
            view! { <p class="form-error" role="alert">{error.to_string()}</p> }
        })
    };
    if evaluations.is_empty() {
        return view! {
            <p class="muted small" data-testid="no-evaluations">
                "No candidate judge has been tried yet. Run "<code>"cojudge judge eval --task "{task}" --model …"</code>
                " to compare one with the task's judge on the items it is measured on."
            </p>
        }
        .into_any();
    }
    let details = evaluations
        .iter()
        .filter_map(|evaluation| {
            let paired = evaluation.paired.clone()?;
            let title = format!(
                "#{} {}: both judges on the same {} items",
                evaluation.id, evaluation.model, paired.comparison.items
            );
            Some(view! { <PairedTables title paired/> })
        })
        .collect_view();
    let rows = evaluations
        .into_iter()
        .map(|evaluation| {
            let accuracy = configs
                .iter()
                .find(|c| c.id == evaluation.judge_config)
                .and_then(|c| c.accuracy.clone());
            let id = evaluation.id;
            let task = task.clone();
            // Promoting a candidate that is not shown to be better asks first.
            let doubt = evaluation
                .paired
                .as_ref()
                .filter(|paired| !paired.comparison.significant())
                .map(|paired| {
                    format!(
                        "On the {} items both judged, the difference from the current judge ({:+.1} points) is not significant (McNemar p = {:.3}). Make this candidate the task's judge anyway?",
                        paired.comparison.items,
                        paired.comparison.difference * 100.0,
                        paired.comparison.p_value
                    )
                });
            let status = match evaluation.promoted_at {
                Some(at) => view! { <span class="muted">{format!("promoted {}", at.format("%Y-%m-%d %H:%M UTC"))}</span> }.into_any(),
                None if can_promote => view! {
                    <button class="button" type="button" data-testid="promote" disabled=move || promote.pending().get()
                        on:click=move |_| {
                            if let Some(question) = &doubt {
                                let confirmed = web_sys::window()
                                    .and_then(|window| window.confirm_with_message(question).ok())
                                    .unwrap_or(false);
                                if !confirmed {
                                    return;
                                }
                            }
                            promote.dispatch(PromoteJudge { task: task.clone(), based_on: rubric_version, evaluation_id: id });
                        }>
                        "Make this the task's judge"
                    </button>
                }.into_any(),
                None => view! { <span class="muted">"candidate"</span> }.into_any(),
            };
            view! {
                <tr data-testid="evaluation-row">
                    <th scope="row">{format!("#{} {}", evaluation.id, evaluation.model)}</th>
                    <td>{format!("{} · {} · {}", evaluation.mode, evaluation.confidence_method, evaluation.prompt_version)}</td>
                    <td class="num">{format!("{} ({} failed)", evaluation.items, evaluation.errors)}</td>
                    <td class="num" data-testid="evaluation-accuracy">{percent(&accuracy)}</td>
                    <td data-testid="evaluation-paired">{paired_summary(evaluation.paired.as_ref())}</td>
                    <td>{evaluation.started_at.format("%Y-%m-%d %H:%M UTC").to_string()}</td>
                    <td>{status}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" data-testid="evaluations-table">
            <thead><tr>
                <th scope="col">"Candidate"</th><th scope="col">"Mode · confidence · prompt"</th>
                <th scope="col" class="num">"Items judged"</th><th scope="col" class="num">"Accuracy (overall verdict)"</th>
                <th scope="col">"Against the current judge, same items"</th>
                <th scope="col">"Run"</th><th scope="col"></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {error}
        {details}
    }
    .into_any()
}

/// `+3.0 points (−1.2 to +7.2) on 120 items; McNemar p = 0.041`, or a dash without a
/// comparison.
fn paired_summary(paired: Option<&PairedEvaluation>) -> String {
    let Some(comparison) = paired.map(|paired| &paired.comparison) else {
        return "–".into();
    };
    format!(
        "{:+.1} points ({:+.1} to {:+.1}) on {} items; McNemar p = {:.3}{}",
        comparison.difference * 100.0,
        comparison.difference_interval.lower * 100.0,
        comparison.difference_interval.upper * 100.0,
        comparison.items,
        comparison.p_value,
        if comparison.significant() {
            ""
        } else {
            " (not significant)"
        }
    )
}

/// Both judges' Table 9 on the items both judged.
#[component]
fn PairedTables(title: String, paired: PairedEvaluation) -> impl IntoView {
    let split = |mut rows: Vec<_>| {
        let criteria = rows.split_off(1.min(rows.len()));
        (rows.pop(), criteria)
    };
    let (current_overall, current_criteria) = split(paired.current);
    let (candidate_overall, candidate_criteria) = split(paired.candidate);
    view! {
        <details class="paired" data-testid="paired-details">
            <summary>{title}</summary>
            {current_overall.map(|overall| view! {
                <h3>"Current judge"</h3>
                <AgreementTable overall criteria=current_criteria name="paired-current"/>
            })}
            {candidate_overall.map(|overall| view! {
                <h3>"Candidate"</h3>
                <AgreementTable overall criteria=candidate_criteria name="paired-candidate"/>
            })}
        </details>
    }
}
