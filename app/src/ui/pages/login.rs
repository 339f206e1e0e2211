//! The sign-in page.

use crate::api::auth::Login;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let next = move || use_query_map().read().get("next").unwrap_or_default();
    let error = move || {
        login
            .value()
            .get()
            .and_then(|result| result.err())
            .map(|e| e.to_string())
    };
    view! {
        <Title text="Sign in"/>
        <main class="login">
            <section class="card login-card">
                <h1 class="brand-large">"cojudge"</h1>
                <p class="muted">"Human–LLM cooperative judging"</p>
                <ActionForm action=login>
                    <label for="email">"E-mail"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required autofocus/>
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    <input type="hidden" name="next" prop:value=next/>
                    {move || error().map(|message| view! { <p class="form-error" role="alert" data-testid="login-error">{message}</p> })}
                    <button type="submit" class="button primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
