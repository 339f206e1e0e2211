//! The admin's API tokens: a table with a Revoke button per active token, and a form that
//! creates one and shows its secret once.

use crate::api::tokens::{list_tokens, CreateToken, RevokeToken};
use crate::domain::TokenStatus;
use crate::ui::fetch::{fetch_in_browser, render_fetched};
use crate::views::tokens::{CreatedToken, TokenSummary};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = fetch_in_browser(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    view! {
        <Title text="API tokens"/>
        <h1>"API tokens"</h1>
        <p class="muted">
            "Tokens let scripts use the REST API (" <code>"Authorization: Bearer cjt_…"</code>
            "). Only a hash is stored, so a token is shown once, when it is created."
        </p>
        <CreateForm create/>
        {render_fetched(tokens, "Loading tokens…", move |list| {
            if list.is_empty() {
                view! { <p class="muted">"No tokens yet."</p> }.into_any()
            } else {
                view! { <TokenTable list revoke/> }.into_any()
            }
        })}
    }
}

#[component]
fn CreateForm(create: ServerAction<CreateToken>) -> impl IntoView {
    let result = move || create.value().get();
    view! {
        <section class="card token-create">
            <h2>"New token"</h2>
            <ActionForm action=create attr:class="token-form">
                <div>
                    <label for="token-name">"Name"</label>
                    <input id="token-name" name="name" type="text" required placeholder="nightly-import"/>
                </div>
                <div>
                    <label for="token-role">"Role"</label>
                    <select id="token-role" name="role">
                        <option value="trainer" selected>"trainer"</option>
                        <option value="admin">"admin"</option>
                    </select>
                </div>
                <div>
                    <label for="token-expires">"Expires (optional)"</label>
                    <input id="token-expires" name="expires" type="text" placeholder="30d, 12h or 2027-01-31"/>
                </div>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create token"</button>
            </ActionForm>
            {move || match result() {
                Some(Ok(token)) => view! { <NewToken token/> }.into_any(),
                Some(Err(error)) => view! { <p class="form-error" role="alert" data-testid="token-error">{error.to_string()}</p> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}

/// The secret of a token just created, the only time it is shown.
#[component]
fn NewToken(token: CreatedToken) -> impl IntoView {
    view! {
        <div class="new-token" role="status">
            <p>
                <strong>{format!("Token {} created.", token.name)}</strong>
                " Copy it now: it will not be shown again."
            </p>
            <code class="token-secret" data-testid="new-token" data-name=token.name.clone()>{token.secret}</code>
            <p class="muted small">"Select the token and copy it (Ctrl+C / ⌘C) into your secret store."</p>
        </div>
    }
}

#[component]
fn TokenTable(list: Vec<TokenSummary>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    view! {
        {move || revoke.value().get().and_then(Result::err).map(|error| view! {
            <p class="form-error" role="alert">{error.to_string()}</p>
        })}
        <table class="table" data-testid="tokens-table">
            <thead>
                <tr>
                    <th>"Name"</th><th>"Role"</th><th>"Prefix"</th><th>"Created"</th>
                    <th>"Expires"</th><th>"Last used"</th><th>"Status"</th><th></th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|token| view! { <TokenRow token revoke/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn TokenRow(token: TokenSummary, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let t = token;
    let status = t.status.as_str();
    let name = t.name.clone();
    let label = format!("Revoke {}", t.name);
    let revoke_button = (t.status == TokenStatus::Active).then(|| {
        view! {
            <ActionForm action=revoke attr:class="inline">
                <input type="hidden" name="id" value=t.id/>
                <button type="submit" class="button ghost danger" aria-label=label>"Revoke"</button>
            </ActionForm>
        }
    });
    view! {
        <tr data-testid="token-row" data-name=name data-status=status>
            <td>{t.name}</td>
            <td><span class="badge">{t.role.as_str()}</span></td>
            <td><code>{format!("cjt_{}…", t.prefix)}</code></td>
            <td>{day(t.created_at)}</td>
            <td>{t.expires_at.map_or("never".to_string(), |at| format!("{} UTC", minute(at)))}</td>
            <td>{t.last_used_at.map_or("never".to_string(), minute)}</td>
            <td><span class=format!("token-status {status}")>{status}</span></td>
            <td>{revoke_button}</td>
        </tr>
    }
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}
