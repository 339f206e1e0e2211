//! Candidate judges tried with `cojudge judge eval`: what each was, on how many items, how well
//! it agreed with humans, and, for admins, a button that makes it the task's judge.

use super::format::percent;
use crate::api::metrics::PromoteJudge;
use crate::views::metrics::{EvaluationSummary, JudgeConfigSummary};
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
                " to compare one on the reviewed audit and golden items."
            </p>
        }
        .into_any();
    }
    let rows = evaluations
        .into_iter()
        .map(|evaluation| {
            let accuracy = configs
                .iter()
                .find(|c| c.id == evaluation.judge_config)
                .and_then(|c| c.accuracy.clone());
            let id = evaluation.id;
            let task = task.clone();
            let status = match evaluation.promoted_at {
                Some(at) => view! { <span class="muted">{format!("promoted {}", at.format("%Y-%m-%d %H:%M UTC"))}</span> }.into_any(),
                None if can_promote => view! {
                    <button class="button" type="button" data-testid="promote" disabled=move || promote.pending().get()
                        on:click=move |_| {
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
                <th scope="col">"Run"</th><th scope="col"></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {error}
    }
    .into_any()
}
