//! Signing in and out, session rotation, and role checks on server functions.

use crate::harness::{count, count_where, session_cookie, spawn_app};
use app::domain::Role;

#[tokio::test]
async fn signing_in_with_the_right_password_starts_a_session_and_redirects_home() {
    let app = spawn_app().await;
    app.add_user("ann@example.org", Role::Annotator, "ann-password-1")
        .await;
    let client = app.client();

    let response = app
        .sign_in(&client, "ann@example.org", "ann-password-1")
        .await;

    assert!(
        response.status().is_redirection(),
        "status {}",
        response.status()
    );
    assert_eq!(response.headers()["location"], "/");
    let cookie = response
        .cookies()
        .find(|c| c.name() == "cojudge_session")
        .expect("a session cookie");
    assert!(cookie.http_only());
    assert!(cookie.same_site_lax());
    let me = app
        .call(&client, "auth/me")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(me["email"], "ann@example.org");
    assert_eq!(me["role"], "annotator");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_refusal() {
    let app = spawn_app().await;
    app.add_user("ann@example.org", Role::Annotator, "ann-password-1")
        .await;
    let client = app.client();

    let wrong_password = app
        .sign_in(&client, "ann@example.org", "not-her-password")
        .await;
    let status = wrong_password.status();
    let wrong_password = wrong_password.text().await.unwrap();
    let unknown_email = app
        .sign_in(&client, "nobody@example.org", "not-her-password")
        .await
        .text()
        .await
        .unwrap();

    assert_eq!(status, 401);
    assert!(
        wrong_password.contains("Wrong e-mail address or password."),
        "{wrong_password}"
    );
    assert_eq!(wrong_password, unknown_email);
    let me = app
        .call(&client, "auth/me")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(me.is_null());
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in() {
    let app = spawn_app().await;
    let id = app
        .add_user("gone@example.org", Role::Admin, "gone-password-1")
        .await;
    sqlx::query("UPDATE users SET disabled_at = now() WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();

    let response = app
        .sign_in(&app.client(), "gone@example.org", "gone-password-1")
        .await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn the_session_id_is_replaced_at_sign_in_and_the_old_one_stops_working() {
    let app = spawn_app().await;
    app.add_user("ann@example.org", Role::Annotator, "ann-password-1")
        .await;
    let client = app.client();
    let first = session_cookie(
        &app.sign_in(&client, "ann@example.org", "ann-password-1")
            .await,
    )
    .unwrap();

    let second = session_cookie(
        &app.sign_in(&client, "ann@example.org", "ann-password-1")
            .await,
    )
    .unwrap();

    assert_ne!(first, second);
    let stale = reqwest::Client::new()
        .post(format!("{}/api/auth/me", app.address))
        .header("Cookie", format!("cojudge_session={first}"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(
        stale.is_null(),
        "the pre-login session id must not stay signed in: {stale}"
    );
}

#[tokio::test]
async fn the_database_holds_only_a_hash_of_the_session_id() {
    let app = spawn_app().await;
    app.add_user("ann@example.org", Role::Annotator, "ann-password-1")
        .await;
    let cookie = session_cookie(
        &app.sign_in(&app.client(), "ann@example.org", "ann-password-1")
            .await,
    )
    .unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, [app::db::sessions::stored_id(&cookie)]);
    assert!(stored.iter().all(|id| !id.contains(&cookie)));
    assert_eq!(stored[0].len(), 64);
    // The stored id is no cookie: presenting it signs nobody in.
    let with_stored = reqwest::Client::new()
        .post(format!("{}/api/auth/me", app.address))
        .header("Cookie", format!("cojudge_session={}", stored[0]))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(with_stored.is_null(), "{with_stored}");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let client = app.signed_in(Role::Annotator).await.client;

    let response = app.call(&client, "auth/logout").await;

    assert!(response.status().is_success() || response.status().is_redirection());
    let me = app
        .call(&client, "auth/me")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(me.is_null());
    let sessions = count(&app.pool, "sessions").await;
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn only_admins_may_list_users_and_the_refusal_has_the_right_status() {
    let app = spawn_app().await;
    assert_eq!(app.call(&app.client(), "users/list").await.status(), 401);
    for (role, expected) in [
        (Role::Admin, 200),
        (Role::Annotator, 403),
        (Role::Trainer, 403),
        (Role::Reviewer, 403),
    ] {
        let client = app.signed_in(role).await.client;
        assert_eq!(
            app.call(&client, "users/list").await.status(),
            expected,
            "{role}"
        );
    }
}

#[tokio::test]
async fn every_role_sees_the_task_summaries_with_counts_per_state() {
    let app = spawn_app().await;
    assert_eq!(
        app.call(&app.client(), "tasks/summaries").await.status(),
        401
    );
    let client = app.signed_in(Role::Annotator).await.client;

    let tasks: Vec<app::views::tasks::TaskSummary> = app
        .call(&client, "tasks/summaries")
        .await
        .json()
        .await
        .unwrap();

    let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["interest", "tag", "explanation"]);
    assert!(tasks.iter().all(|t| t.counts.len() == 6 && t.total == 0));
    assert_eq!(tasks[1].criteria.len(), 4);
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled_per_address_and_client_on_every_process() {
    let app = spawn_app().await;
    app.add_user("bo@example.org", Role::Annotator, "bo-password-1")
        .await;
    app.add_user("cy@example.org", Role::Annotator, "cy-password-1")
        .await;
    let client = app.client();
    for _ in 0..5 {
        let refused = app.sign_in(&client, "Bo@Example.org ", "guess").await;
        assert_eq!(refused.status(), 401);
    }
    // The right password no longer helps, and no password is checked.
    let throttled = app
        .sign_in(&client, "bo@example.org", "bo-password-1")
        .await;
    assert_eq!(throttled.status(), 429);
    let wait: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    let message = throttled.text().await.unwrap();
    assert!(message.contains("Too many failed sign-ins"), "{message}");
    // An unknown address is throttled alike, so the refusal does not tell which exist.
    for _ in 0..5 {
        app.sign_in(&client, "nobody@example.org", "guess").await;
    }
    assert_eq!(
        app.sign_in(&client, "nobody@example.org", "guess")
            .await
            .status(),
        429
    );
    // Another address is not affected; its success forgets its own failures.
    app.sign_in(&client, "cy@example.org", "guess").await;
    let cy = app
        .sign_in(&client, "cy@example.org", "cy-password-1")
        .await;
    assert!(cy.status().is_redirection(), "{:?}", cy.text().await);
    let left = count_where(&app.pool, "login_attempts", "email = 'cy@example.org'").await;
    assert_eq!(left, 0);
    // Once the failures are older than the window, the right password works again.
    sqlx::query("UPDATE login_attempts SET attempted_at = now() - interval '16 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    let later = app
        .sign_in(&client, "bo@example.org", "bo-password-1")
        .await;
    assert!(later.status().is_redirection());
}

#[tokio::test]
async fn disabling_an_account_signs_it_out_at_once_and_stops_its_tokens_until_enabled() {
    let app = spawn_app().await;
    let leaving = app.signed_in(Role::Admin).await;
    let other = app.signed_in(Role::Admin).await;
    let created: serde_json::Value = app
        .call_form(
            &leaving.client,
            "tokens/create",
            &[("name", "nightly"), ("role", "trainer"), ("expires", "")],
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let whoami = || async {
        reqwest::Client::new()
            .get(format!("{}/api/v1/whoami", app.address))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(whoami().await, 200);

    let set_disabled = |email: String, disabled: &'static str| {
        let (app, admin) = (&app, &other.client);
        async move {
            app.call_form(
                admin,
                "users/set_disabled",
                &[("email", email.as_str()), ("disabled", disabled)],
            )
            .await
        }
    };
    let yourself = set_disabled(other.email.clone(), "true").await;
    assert_eq!(yourself.status(), 409);

    let disabled = set_disabled(leaving.email.clone(), "true").await;
    assert_eq!(disabled.status(), 200);
    let said: String = disabled.json().await.unwrap();
    assert!(said.contains("1 session ended"), "{said}");
    let me = app.call(&leaving.client, "auth/me").await;
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap(),
        serde_json::Value::Null
    );
    assert_eq!(whoami().await, 401);
    let refused = app
        .sign_in(&app.client(), &leaving.email, crate::harness::PASSWORD)
        .await;
    assert_eq!(refused.status(), 401);

    let enabled = set_disabled(leaving.email.clone(), "false").await;
    assert_eq!(enabled.status(), 200);
    assert_eq!(whoami().await, 200, "its tokens work again");
    let me = app.call(&leaving.client, "auth/me").await;
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap(),
        serde_json::Value::Null,
        "its old sessions stay ended"
    );
    let back = app
        .sign_in(&app.client(), &leaving.email, crate::harness::PASSWORD)
        .await;
    assert!(back.status().is_redirection());
}

#[tokio::test]
async fn a_new_password_ends_every_session_of_the_account() {
    let app = spawn_app().await;
    let user = app.signed_in(Role::Annotator).await;
    let elsewhere = app.client();
    let second = app
        .sign_in(&elsewhere, &user.email, crate::harness::PASSWORD)
        .await;
    assert!(second.status().is_redirection());
    let hash = app::services::password::hash("a brand new password".into())
        .await
        .unwrap();
    let email = app::domain::Email::parse(&user.email).unwrap();
    app::services::accounts::set_password_hash(
        &app.pool,
        &email,
        &hash,
        app::db::audit::Actor::Other("test"),
    )
    .await
    .unwrap();
    for client in [&user.client, &elsewhere] {
        let me = app.call(client, "auth/me").await;
        assert_eq!(
            me.json::<serde_json::Value>().await.unwrap(),
            serde_json::Value::Null
        );
    }
    assert_eq!(
        count_where(&app.pool, "sessions", &format!("user_id = {}", user.id)).await,
        0
    );
}
