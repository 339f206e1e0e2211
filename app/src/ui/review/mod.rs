//! The review page (`/tasks/:task/review`) and the adjudication page (`/tasks/:task/adjudicate`):
//! one item at a time, answered by keyboard or mouse, the next item already claimed.
//!
//! - `desk`: the page's state and actions (claim, prefetch, save with retries, undo, holds)
//! - `keys`: which key chooses which label; `browser`: ids, clock, sleep, beacon
//! - `item_view`, `json_view`: the item, rendered for reading
//! - `answer_form`, `answers_table`: the answer, and for adjudication everyone else's
//! - `guidelines`, `shortcuts`: the task's guidelines, the shortcut list and the skip dialog

mod answer_form;
mod answers_table;
mod browser;
mod desk;
mod guidelines;
mod item_view;
mod json_view;
pub mod keys;
mod shortcuts;

use crate::api::review::review_guide;
use crate::domain::ReviewPurpose;
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use crate::views::review::TaskGuide;
use answer_form::AnswerForm;
use answers_table::AnswersTable;
use desk::{Desk, Phase, Tone};
use guidelines::Guidelines;
use item_view::ItemView;
use leptos::ev;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use shortcuts::{ShortcutHelp, SkipDialog};
use std::time::Duration;
use wasm_bindgen::JsCast;

#[component]
pub fn ReviewPage(purpose: ReviewPurpose) -> impl IntoView {
    let params = use_params_map();
    let guide = fetch_in_browser(
        move || params.read().get("task").unwrap_or_default(),
        review_guide,
    );
    render_fetched(guide, "Loading…", move |guide| {
        view! { <Workspace guide purpose/> }.into_any()
    })
}

#[component]
fn Workspace(guide: TaskGuide, purpose: ReviewPurpose) -> impl IntoView {
    let heading = match purpose {
        ReviewPurpose::Annotate => format!("Review: {}", guide.title),
        ReviewPurpose::Adjudicate => format!("Adjudicate: {}", guide.title),
    };
    let lease_seconds = guide.lease_seconds;
    let field_order: std::sync::Arc<[String]> = guide.field_order.clone().into();
    let desk = Desk::new(guide.clone(), purpose);
    // Runs in the browser only: claim the first item, listen for keys, keep holds alive, and
    // hand them back on leaving.
    Effect::new(move |_| {
        desk.start();
        let keys = window_event_listener(ev::keydown, move |event| on_key(desk, &event));
        let renew_every = Duration::from_secs((lease_seconds / 3).clamp(2, 120));
        let heartbeat = set_interval_with_handle(move || desk.renew(), renew_every).ok();
        let leave = window_event_listener(ev::pagehide, move |_| desk.release_on_leave());
        let unsaved = window_event_listener(ev::beforeunload, move |event| {
            if desk.unsaved() {
                event.prevent_default();
            }
        });
        on_cleanup(move || {
            keys.remove();
            leave.remove();
            unsaved.remove();
            if let Some(heartbeat) = heartbeat {
                heartbeat.clear();
            }
            desk.release_on_leave();
        });
    });
    view! {
        <Title text=heading.clone()/>
        <div class="review-head">
            <h1>{heading}</h1>
            <p class="muted small" data-testid="answered">{move || format!("Answered this visit: {}", desk.answered.get())}</p>
        </div>
        {view! { <StatusLine desk/> }.into_any()}
        <div class="review-layout">
            <div class="review-main">
                {move || match desk.phase.get() {
                    Phase::Loading => view! { <p class="muted" data-testid="review-loading">"Loading the next item…"</p> }.into_any(),
                    Phase::Empty => view! {
                        <div class="card empty" data-testid="queue-empty">
                            <h2>"Nothing left to review"</h2>
                            <p class="muted">"Every item waiting for you here is answered or held by someone else. Come back later."</p>
                            <a class="button" href="/">"Back to tasks"</a>
                        </div>
                    }.into_any(),
                    Phase::Failed(message) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                    Phase::Ready => desk.current.get().map(|card| {
                        let adjudication = (purpose == ReviewPurpose::Adjudicate).then(|| {
                            let (scale, criteria) = desk.guide.with_value(|g| (
                                g.scale.clone(),
                                g.criteria.iter().map(|c| (c.name.clone(), c.title.clone())).collect::<Vec<_>>(),
                            ));
                            view! { <AnswersTable card=card.clone() scale criteria/> }
                        });
                        view! {
                            <ItemView card=card.clone() field_order=field_order.clone()/>
                            {adjudication}
                        }
                    }).into_any(),
                }}
                {view! { <Guidelines guide=guide.clone()/> }.into_any()}
            </div>
            <aside class="review-side">
                {move || (desk.phase.get() == Phase::Ready).then(|| desk.current.get()).flatten().map(|card| {
                    view! { <AnswerForm desk card/> }
                })}
            </aside>
        </div>
        {view! { <ShortcutHelp desk/> <SkipDialog desk/> }.into_any()}
    }
    .into_any()
}

/// Saving, retry and outcome messages, and the lost-hold warning.
#[component]
fn StatusLine(desk: Desk) -> impl IntoView {
    view! {
        <div class="status-line" role="status" aria-live="polite">
            {move || desk.notice.get().map(|notice| {
                let tone = match notice.tone {
                    Tone::Info => "info",
                    Tone::Warning => "warning",
                    Tone::Error => "error",
                };
                view! { <p class=format!("notice {tone}") data-testid="notice" data-tone=tone>{notice.text}</p> }
            })}
            {move || desk.hold_lost.get().then(|| view! {
                <p class="notice warning" data-testid="hold-lost">
                    "Your hold on this item lapsed. Your answer still counts if nobody else has taken it meanwhile."
                </p>
            })}
        </div>
    }
}

/// The page's keyboard handling; text boxes keep their keys except Esc and Ctrl+Enter.
fn on_key(desk: Desk, event: &web_sys::KeyboardEvent) {
    if event.default_prevented() || event.is_composing() {
        return;
    }
    let key = event.key();
    let target = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|e| e.tag_name().to_ascii_lowercase())
        .unwrap_or_default();
    let typing =
        matches!(target.as_str(), "input" | "textarea" | "select") && !is_choice_input(event);
    if typing {
        if key == "Escape" {
            blur_active();
        } else if key == "Enter"
            && (event.ctrl_key() || event.meta_key())
            && !desk.skipping.get_untracked()
        {
            event.prevent_default();
            desk.submit();
        }
        return;
    }
    if event.ctrl_key() || event.meta_key() || event.alt_key() {
        return;
    }
    if desk.help_open.get_untracked() {
        if key == "Escape" || key == "?" {
            desk.help_open.set(false);
        }
        return;
    }
    if desk.skipping.get_untracked() {
        return;
    }
    if key == keys::SUBMIT {
        if target == "button" || target == "a" {
            return;
        }
        event.prevent_default();
        desk.submit();
        return;
    }
    let mut chars = key.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return;
    };
    match c.to_ascii_lowercase() {
        keys::HELP => desk.help_open.set(true),
        keys::SKIP if desk.phase.get_untracked() == Phase::Ready => {
            event.prevent_default();
            desk.skipping.set(true);
        }
        keys::FLAG => desk.flagged.update(|f| *f = !*f),
        keys::UNDO => desk.undo(),
        other => {
            let chosen = desk.guide.with_value(|g| {
                keys::pair_for_key(other, g.criteria.len(), g.scale.labels.len())
                    .map(|(c, l)| (g.criteria[c].name.clone(), g.scale.labels[l].value.clone()))
            });
            if let Some((criterion, label)) = chosen {
                event.prevent_default();
                desk.choose(&criterion, &label);
            }
        }
    }
}

/// A radio button of the answer form: keys still work while one has focus.
fn is_choice_input(event: &web_sys::KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|input| input.type_() == "radio" || input.type_() == "checkbox")
}

fn blur_active() {
    if let Some(active) = document()
        .active_element()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = active.blur();
    }
}
