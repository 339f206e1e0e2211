//! The task's guidelines: its description and every criterion's definition with passing and
//! failing examples. Open by default on a wide screen beside the item.

use crate::views::review::TaskGuide;
use leptos::prelude::*;

#[component]
pub fn Guidelines(guide: TaskGuide) -> impl IntoView {
    view! {
        <details class="card guidelines" data-testid="guidelines">
            <summary>"Guidelines"</summary>
            <p class="description">{guide.description}</p>
            {guide.criteria.into_iter().map(|c| view! {
                <section class="guideline">
                    <h3>{c.title}</h3>
                    <p>{c.definition}</p>
                    {(!c.passing_examples.is_empty()).then(|| view! {
                        <p class="example-head pass">"Passes"</p>
                        <ul class="examples pass">{c.passing_examples.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                    })}
                    {(!c.failing_examples.is_empty()).then(|| view! {
                        <p class="example-head fail">"Fails"</p>
                        <ul class="examples fail">{c.failing_examples.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                    })}
                </section>
            }).collect_view()}
        </details>
    }
}
