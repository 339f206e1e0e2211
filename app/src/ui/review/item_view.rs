//! The item under review: its identity, the context the generator saw, and what it generated.

use super::json_view::json_view;
use crate::views::review::ReviewCard;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn ItemView(card: ReviewCard, field_order: Arc<[String]>) -> impl IntoView {
    let output_is_text = card.output.is_string();
    view! {
        <article class="card review-item" data-testid="review-item" data-external-id=card.external_id.clone()>
            <header class="review-item-head">
                <h2>"Item " <code>{card.external_id.clone()}</code></h2>
                {card.generator.clone().map(|g| view! { <span class="badge" title="Generator version">{g}</span> })}
            </header>
            <section class="output" aria-labelledby="output-heading">
                <h3 id="output-heading">"Generated output"</h3>
                <div class="output-body" class:output-text=output_is_text data-testid="item-output">
                    {json_view(&card.output, &field_order)}
                </div>
            </section>
            <section class="context" aria-labelledby="context-heading">
                <h3 id="context-heading">"Context"</h3>
                <div data-testid="item-context">{json_view(&card.context, &field_order)}</div>
            </section>
        </article>
    }
}
