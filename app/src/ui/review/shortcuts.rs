//! The shortcut list (`?`) and the skip dialog (`S`).

use super::desk::Desk;
use super::keys::{label_key, FLAG, HELP, SKIP, UNDO};
use leptos::prelude::*;

#[component]
pub fn ShortcutHelp(desk: Desk) -> impl IntoView {
    let rows = desk.guide.with_value(|guide| {
        guide
            .criteria
            .iter()
            .enumerate()
            .map(|(i, criterion)| {
                let keys = guide
                    .scale
                    .labels
                    .iter()
                    .enumerate()
                    .filter_map(|(j, label)| {
                        label_key(i, j).map(|key| format!("{key} {}", label.title))
                    })
                    .collect::<Vec<_>>()
                    .join(" · ");
                (criterion.title.clone(), keys)
            })
            .collect::<Vec<_>>()
    });
    view! {
        <Show when=move || desk.help_open.get()>
            <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts">
                <div class="card dialog">
                    <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
                    <table class="table shortcuts">
                        <tbody>
                            {rows.clone().into_iter().map(|(title, keys)| view! { <tr><th scope="row">{title}</th><td>{keys}</td></tr> }).collect_view()}
                            <tr><th scope="row">"Submit"</th><td><kbd>"Enter"</kbd></td></tr>
                            <tr><th scope="row">"Skip"</th><td><kbd>{SKIP.to_string()}</kbd></td></tr>
                            <tr><th scope="row">"Flag for an admin"</th><td><kbd>{FLAG.to_string()}</kbd></td></tr>
                            <tr><th scope="row">"Undo last answer"</th><td><kbd>{UNDO.to_string()}</kbd></td></tr>
                            <tr><th scope="row">"Show or hide this list"</th><td><kbd>{HELP.to_string()}</kbd></td></tr>
                            <tr><th scope="row">"Leave a text box"</th><td><kbd>"Esc"</kbd>" (Ctrl+Enter submits from it)"</td></tr>
                        </tbody>
                    </table>
                    <button class="button" on:click=move |_| desk.help_open.set(false)>"Close"</button>
                </div>
            </div>
        </Show>
    }
}

#[component]
pub fn SkipDialog(desk: Desk) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if desk.skipping.get() {
            reason.set(String::new());
            if let Some(input) = input.get() {
                let _ = input.focus();
            }
        }
    });
    view! {
        <Show when=move || desk.skipping.get()>
            <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="skip-title" data-testid="skip-dialog">
                <form class="card dialog" on:submit=move |event| {
                    event.prevent_default();
                    desk.skipping.set(false);
                    desk.skip(reason.get_untracked());
                }>
                    <h2 id="skip-title">"Skip this item"</h2>
                    <label for="skip-reason">"Reason (optional)"</label>
                    <input id="skip-reason" type="text" node_ref=input autocomplete="off"
                        placeholder="e.g. I do not know this product"
                        prop:value=move || reason.get()
                        on:input=move |event| reason.set(event_target_value(&event))
                        on:keydown=move |event| if event.key() == "Escape" { desk.skipping.set(false) }/>
                    <div class="actions">
                        <button type="submit" class="button primary">"Skip"</button>
                        <button type="button" class="button ghost" on:click=move |_| desk.skipping.set(false)>"Cancel"</button>
                    </div>
                </form>
            </div>
        </Show>
    }
}
