//! API tokens: the `cojudge token` commands, bearer authentication of `/api/v1`, the admin's
//! server functions, and that only a hash of each secret is ever stored.

use crate::harness::{cojudge, count_where, migrated_pool, spawn_app, stderr, stdout, TestApp};
use app::db::audit::Actor;
use app::db::tokens::{self, NewToken};
use app::domain::{Role, TokenSecret};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::process::Output;

/// The token line of `cojudge token create`'s output.
fn printed_token(output: &Output) -> String {
    stdout(output)
        .lines()
        .find(|line| line.starts_with("cjt_"))
        .unwrap_or_else(|| panic!("no token in: {}", stdout(output)))
        .to_string()
}

async fn create_token(pool: &PgPool, name: &str, role: Role) -> (i64, TokenSecret) {
    let new = NewToken {
        name,
        role,
        expires_at: None,
        created_by: None,
    };
    tokens::create(pool, &new, Actor::Other("test"))
        .await
        .unwrap()
}

/// Every row of the token table and the audit log as text, to search for leaked secrets.
async fn stored_text(pool: &PgPool) -> String {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT t::text FROM api_tokens t UNION ALL SELECT a::text FROM audit_log a",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.join("\n")
}

async fn whoami(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}/api/v1/whoami", app.address));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request.send().await.unwrap()
}

async fn error_code(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body: Value = response.json().await.unwrap();
    (status, challenge, body)
}

#[tokio::test]
async fn token_create_prints_the_token_once_and_the_database_keeps_only_its_hash() {
    let (pool, url) = migrated_pool().await;

    let created = cojudge(
        &url,
        &[
            "token",
            "create",
            "--name",
            "nightly-import",
            "--role",
            "trainer",
            "--expires",
            "30d",
        ],
    );

    assert!(created.status.success(), "{}", stderr(&created));
    assert!(stdout(&created).contains("will not be shown again"));
    let token = printed_token(&created);
    let secret = TokenSecret::parse(&token).expect("a well-formed token");
    let (hash, prefix, role): (Vec<u8>, String, String) =
        sqlx::query_as("SELECT token_hash, token_prefix, role FROM api_tokens WHERE name = $1")
            .bind("nightly-import")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(hash, Sha256::digest(token.as_bytes()).to_vec());
    assert_eq!(prefix, secret.display_prefix());
    assert_eq!(role, "trainer");
    let body = &token["cjt_".len()..];
    assert!(!stored_text(&pool).await.contains(body));
    let audited = count_where(
        &pool,
        "audit_log",
        "action = 'token.created' AND actor_label = 'cli'",
    )
    .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn token_create_refuses_roles_other_than_trainer_and_admin_and_duplicate_names() {
    let (_, url) = migrated_pool().await;
    let create = |name: &str, role: &str| {
        cojudge(&url, &["token", "create", "--name", name, "--role", role])
    };

    let annotator = create("bot", "annotator");
    let first = create("bot", "admin");
    let duplicate = create("bot", "trainer");

    assert!(!annotator.status.success());
    assert!(
        stderr(&annotator).contains("trainer or admin"),
        "{}",
        stderr(&annotator)
    );
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(!duplicate.status.success());
    assert!(stderr(&duplicate).contains("already exists"));
}

#[tokio::test]
async fn token_create_refuses_an_expiry_too_far_off_instead_of_crashing() {
    let (pool, url) = migrated_pool().await;
    let created = cojudge(
        &url,
        &[
            "token",
            "create",
            "--name",
            "far",
            "--role",
            "trainer",
            "--expires",
            "99999999d",
        ],
    );
    assert_eq!(created.status.code(), Some(1), "{}", stderr(&created));
    assert!(
        stderr(&created).contains("too far off"),
        "{}",
        stderr(&created)
    );
    assert!(!stderr(&created).contains("panicked"));
    assert_eq!(crate::harness::count(&pool, "api_tokens").await, 0);
}

#[tokio::test]
async fn token_list_shows_each_status_and_revoke_is_idempotent() {
    let (pool, url) = migrated_pool().await;
    for name in ["keeps", "goes", "lapsed"] {
        cojudge(
            &url,
            &["token", "create", "--name", name, "--role", "trainer"],
        );
    }
    sqlx::query(
        "UPDATE api_tokens SET expires_at = now() - interval '1 hour' WHERE name = 'lapsed'",
    )
    .execute(&pool)
    .await
    .unwrap();

    let revoked = cojudge(&url, &["token", "revoke", "goes"]);
    let again = cojudge(&url, &["token", "revoke", "goes"]);
    let unknown = cojudge(&url, &["token", "revoke", "never-was"]);
    let list = stdout(&cojudge(&url, &["token", "list"]));

    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert!(stdout(&revoked).contains("Revoked token goes"));
    assert!(again.status.success());
    assert!(stdout(&again).contains("already revoked"));
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("no token named never-was"));
    let status_of = |name: &str| {
        list.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .and_then(|l| l.split_whitespace().nth(3))
            .unwrap_or_else(|| panic!("{name} not listed in:\n{list}"))
            .to_string()
    };
    assert_eq!(status_of("keeps"), "active");
    assert_eq!(status_of("goes"), "revoked");
    assert_eq!(status_of("lapsed"), "expired");
    let audited = count_where(&pool, "audit_log", "action = 'token.revoked'").await;
    assert_eq!(audited, 1, "revoking twice is logged once");
}

#[tokio::test]
async fn whoami_names_the_token_and_role_of_a_valid_token() {
    let app = spawn_app().await;
    let (id, secret) = create_token(&app.pool, "importer", Role::Trainer).await;

    let response = whoami(&app, Some(&format!("Bearer {}", secret.expose()))).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "name": "importer", "role": "trainer" })
    );
    let used: bool =
        sqlx::query_scalar("SELECT last_used_at IS NOT NULL FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(used);
}

#[tokio::test]
async fn a_request_without_a_bearer_token_gets_401_missing_token() {
    let app = spawn_app().await;

    for authorization in [None, Some("Basic YTpi")] {
        let (status, challenge, body) = error_code(whoami(&app, authorization).await).await;

        assert_eq!(status, 401);
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        assert_eq!(body["error"]["code"], "missing_token");
        assert_eq!(body["error"]["details"], serde_json::json!([]));
    }
}

#[tokio::test]
async fn unknown_malformed_revoked_and_expired_tokens_all_get_401_invalid_token() {
    let app = spawn_app().await;
    let (revoked_id, revoked) = create_token(&app.pool, "revoked", Role::Trainer).await;
    let (expired_id, expired) = create_token(&app.pool, "expired", Role::Admin).await;
    tokens::revoke(
        &app.pool,
        tokens::TokenRef::Id(revoked_id),
        Actor::Other("test"),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(expired_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let unknown = TokenSecret::generate_with(|n| n / 2);

    for token in [
        unknown.expose(),
        "cjt_tooshort",
        revoked.expose(),
        expired.expose(),
    ] {
        let (status, challenge, body) =
            error_code(whoami(&app, Some(&format!("Bearer {token}"))).await).await;

        assert_eq!(status, 401, "{token}");
        assert!(challenge.contains("invalid_token"), "{challenge}");
        assert_eq!(body["error"]["code"], "invalid_token");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown, revoked or expired"));
    }
}

#[tokio::test]
async fn last_used_is_written_at_most_once_a_minute() {
    let (pool, _) = migrated_pool().await;
    let (id, secret) = create_token(&pool, "busy", Role::Trainer).await;
    let last_used = || async {
        sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
            "SELECT last_used_at FROM api_tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap()
    };

    tokens::authenticate(&pool, &secret).await.unwrap().unwrap();
    let first = last_used().await.unwrap();
    tokens::authenticate(&pool, &secret).await.unwrap().unwrap();
    let second = last_used().await.unwrap();
    sqlx::query("UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let identity = tokens::authenticate(&pool, &secret).await.unwrap().unwrap();
    let third = last_used().await.unwrap();

    assert_eq!(
        first, second,
        "a second use within the minute writes nothing"
    );
    assert!(third >= first, "a use after a minute is recorded again");
    assert_eq!(
        (identity.id, identity.name, identity.role),
        (id, "busy".to_string(), Role::Trainer)
    );
}

#[tokio::test]
async fn only_admins_may_list_create_and_revoke_tokens() {
    let app = spawn_app().await;
    let (id, _) = create_token(&app.pool, "existing", Role::Trainer).await;
    let id = id.to_string();
    let signed_out = app.client();
    let annotator = app.signed_in(Role::Annotator).await.client;

    for (client, expected) in [(&signed_out, 401), (&annotator, 403)] {
        let list = app.call_form(client, "tokens/list", &[]).await;
        let create = app
            .call_form(
                client,
                "tokens/create",
                &[("name", "sneaky"), ("role", "admin"), ("expires", "")],
            )
            .await;
        let revoke = app.call_form(client, "tokens/revoke", &[("id", &id)]).await;
        assert_eq!(
            [list.status(), create.status(), revoke.status()],
            [expected; 3]
        );
    }
    let tokens = count_where(&app.pool, "api_tokens", "revoked_at IS NULL").await;
    assert_eq!(tokens, 1);
}

#[tokio::test]
async fn an_admin_creates_a_token_that_works_then_revokes_it_and_it_stops_working() {
    let app = spawn_app().await;
    let signed_in = app.signed_in(Role::Admin).await;
    let (admin, admin_id) = (signed_in.client, signed_in.id);

    let created: Value = app
        .call_form(
            &admin,
            "tokens/create",
            &[("name", "from-ui"), ("role", "admin"), ("expires", "2d")],
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {secret}");
    let before = whoami(&app, Some(&bearer)).await.status();
    let listed: Value = app
        .call_form(&admin, "tokens/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let revoke = app
        .call_form(
            &admin,
            "tokens/revoke",
            &[("id", &created["id"].to_string())],
        )
        .await;
    let after = whoami(&app, Some(&bearer)).await.status();

    assert_eq!(before, 200);
    assert_eq!(listed[0]["name"], "from-ui");
    assert_eq!(listed[0]["status"], "active");
    assert!(listed[0].get("secret").is_none());
    assert!(!listed.to_string().contains(&secret[4..]));
    assert!(revoke.status().is_success(), "{}", revoke.status());
    assert_eq!(after, 401);
    let actors: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT actor_user_id FROM audit_log WHERE action LIKE 'token.%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actors, [Some(admin_id), Some(admin_id)]);
    assert!(!stored_text(&app.pool).await.contains(&secret[4..]));
}

#[tokio::test]
async fn the_create_form_explains_a_bad_expiry_and_a_taken_name() {
    let app = spawn_app().await;
    let admin = app.signed_in(Role::Admin).await.client;
    create_token(&app.pool, "taken", Role::Trainer).await;

    let bad_expiry = app
        .call_form(
            &admin,
            "tokens/create",
            &[("name", "new"), ("role", "trainer"), ("expires", "soon")],
        )
        .await;
    let taken = app
        .call_form(
            &admin,
            "tokens/create",
            &[("name", "taken"), ("role", "trainer"), ("expires", "")],
        )
        .await;

    let far_off = app
        .call_form(
            &admin,
            "tokens/create",
            &[
                ("name", "far"),
                ("role", "trainer"),
                ("expires", "99999999d"),
            ],
        )
        .await;

    assert_eq!(bad_expiry.status(), 400);
    assert!(bad_expiry.text().await.unwrap().contains("30d"));
    assert_eq!(far_off.status(), 400);
    assert!(far_off.text().await.unwrap().contains("too far off"));
    assert_eq!(taken.status(), 409);
    assert!(taken.text().await.unwrap().contains("already exists"));
}
