//! Server-rendered pages: redirects for visitors who are signed out, 403 and 404 pages, security
//! headers and health endpoints.

use crate::harness::spawn_app;
use app::domain::Role;

#[tokio::test]
async fn a_signed_out_visitor_is_redirected_to_sign_in_with_the_page_to_return_to() {
    let app = spawn_app().await;

    let home = app.client().get(&app.address).send().await.unwrap();
    let users = app
        .client()
        .get(format!("{}/admin/users", app.address))
        .send()
        .await
        .unwrap();

    assert!(home.status().is_redirection(), "status {}", home.status());
    assert_eq!(home.headers()["location"], "/login");
    assert_eq!(users.headers()["location"], "/login?next=/admin/users");
}

#[tokio::test]
async fn the_login_page_renders_a_form_with_security_headers() {
    let app = spawn_app().await;

    let response = app
        .client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(
        !headers.contains_key("strict-transport-security"),
        "no HSTS over plain http"
    );
    // Scripts: this site's, or inline with this response's nonce; no other inline script.
    let policy = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let script_src = policy
        .split(';')
        .find(|directive| directive.trim().starts_with("script-src"))
        .unwrap();
    assert!(!script_src.contains("unsafe-inline"), "{policy}");
    let nonce = script_src
        .split_whitespace()
        .find_map(|source| source.strip_prefix("'nonce-")?.strip_suffix('\''))
        .expect("a nonce")
        .to_owned();
    assert!(nonce.len() >= 16, "{nonce}");
    let html = response.text().await.unwrap();
    let script_tags: Vec<&str> = html
        .split("<script")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').unwrap()])
        .collect();
    assert!(!script_tags.is_empty(), "{html}");
    for tag in script_tags {
        assert!(
            tag.contains(&format!(r#"nonce="{nonce}""#)),
            "every script carries the nonce: <script{tag}>"
        );
    }
    let again = app
        .client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce),
        "a new nonce per response"
    );
    assert!(html.contains(r#"name="password""#));
    assert!(
        html.contains("/pkg/cojudge.js"),
        "the page loads the hydration script"
    );
}

#[tokio::test]
async fn an_annotator_gets_a_403_page_for_the_admin_users_page() {
    let app = spawn_app().await;
    let client = app.signed_in(Role::Annotator).await.client;

    let response = client
        .get(format!("{}/admin/users", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"data-testid="forbidden""#));
    assert!(!html.contains(r#"data-testid="users-table""#));
}

#[tokio::test]
async fn an_admin_sees_the_users_page_and_the_home_page_lists_the_tasks() {
    let app = spawn_app().await;
    let admin = app.signed_in(Role::Admin).await;
    let client = admin.client;

    let users = client
        .get(format!("{}/admin/users", app.address))
        .send()
        .await
        .unwrap();
    let home = client.get(&app.address).send().await.unwrap();
    assert_eq!(users.status(), 200);
    assert!(users.text().await.unwrap().contains("<h1>Users</h1>"));
    assert_eq!(home.status(), 200);
    // The pages fetch their data in the browser, from these server functions.
    let listed = app.call(&client, "users/list").await.text().await.unwrap();
    assert!(listed.contains(&admin.email), "{listed}");
    let tasks = app
        .call(&client, "tasks/summaries")
        .await
        .text()
        .await
        .unwrap();
    for task in ["interest", "tag", "explanation"] {
        assert!(
            tasks.contains(&format!(r#""name":"{task}""#)),
            "home lists {task}"
        );
    }
}

#[tokio::test]
async fn an_unknown_address_is_a_404_page() {
    let app = spawn_app().await;
    let response = app
        .client()
        .get(format!("{}/no/such/page", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains(r#"data-testid="not-found""#));
}

#[tokio::test]
async fn health_and_readiness_report_ok_with_a_database() {
    let app = spawn_app().await;
    let health = app
        .client()
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let ready = app
        .client()
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(ready.status(), 200);
}

#[tokio::test]
async fn when_the_database_is_gone_pages_fail_with_a_500_that_reveals_nothing_internal() {
    let app = spawn_app().await;
    let client = app.signed_in(Role::Admin).await.client;
    app.pool.close().await;

    let response = client.get(&app.address).send().await.unwrap();

    assert_eq!(response.status(), 500);
    let body = response.text().await.unwrap().to_lowercase();
    for internal in ["sqlx", "pool", "panicked", "postgres", "src/"] {
        assert!(
            !body.contains(internal),
            "the 500 page mentions `{internal}`"
        );
    }
}

#[tokio::test]
async fn over_https_browsers_are_told_to_stay_on_https() {
    let app = crate::harness::spawn_app_configured(|config| {
        config.public_url = "https://cojudge.example.org".parse().unwrap();
    })
    .await;
    let response = app
        .client()
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
}

#[tokio::test]
async fn answers_of_server_functions_and_the_rest_api_are_never_cached_and_pages_may_be() {
    let app = spawn_app().await;
    let admin = app.signed_in(Role::Admin).await.client;
    let token = app
        .call_form(
            &admin,
            "tokens/create",
            &[("name", "cached"), ("role", "trainer"), ("expires", "")],
        )
        .await;
    assert_eq!(token.status(), 200);
    assert_eq!(token.headers()["cache-control"], "no-store");
    let rest = app
        .client()
        .get(format!("{}/api/v1/whoami", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 401);
    assert_eq!(rest.headers()["cache-control"], "no-store");
    let page = admin
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    assert_ne!(
        page.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
}
