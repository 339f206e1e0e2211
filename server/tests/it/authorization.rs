//! The authorisation matrix (issue 8): every route of a web process — pages, server functions,
//! the REST API, downloads, health and metrics — called by an anonymous visitor and by each
//! role, against what each may do. The routes to cover are read from the app itself (Leptos'
//! page list and server-function registry, and the router's own routes in its source), so a
//! route added without a row here fails the test.
//!
//! "Refused" means 401, 403, or (for pages) a redirect to the sign-in page; anything else means
//! the caller got past authorisation (the request may still be a 404 or 400 for its arguments).
//! The REST API is authorised by API tokens only: trainers and admins call it with a token of
//! their role; annotators and reviewers, who cannot hold tokens, call it with their session
//! cookie, which the API must ignore.

use crate::harness::{self, spawn_app, TestApp};
use app::domain::Role;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const PASSWORD: &str = "matrix-password-1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    Annotator,
    Reviewer,
    Trainer,
    Admin,
}

const EVERYONE: [Who; 5] = [
    Who::Anonymous,
    Who::Annotator,
    Who::Reviewer,
    Who::Trainer,
    Who::Admin,
];
const PUBLIC: &[Who] = &EVERYONE;
const SIGNED_IN: &[Who] = &[Who::Annotator, Who::Reviewer, Who::Trainer, Who::Admin];
const ANNOTATE: &[Who] = &[Who::Annotator, Who::Reviewer, Who::Admin];
const ADJUDICATE: &[Who] = &[Who::Reviewer, Who::Admin];
const VIEW_METRICS: &[Who] = &[Who::Reviewer, Who::Trainer, Who::Admin];
const MANAGE_DATA: &[Who] = &[Who::Trainer, Who::Admin];
const ADMIN: &[Who] = &[Who::Admin];

#[derive(Clone)]
enum Body {
    Empty,
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

/// One row of the matrix: a route (as the router spells it), one request to it, who may.
struct Row {
    route: &'static str,
    method: Method,
    path: String,
    body: Body,
    allowed: &'static [Who],
    /// The API authorises by token (`/api/v1`), everything else by the session.
    token_auth: bool,
    /// Sent from a new session of the same person (sign-in and sign-out would end the one the
    /// rest of the matrix uses).
    own_session: bool,
}

fn row(
    route: &'static str,
    method: Method,
    path: &str,
    body: Body,
    allowed: &'static [Who],
) -> Row {
    Row {
        route,
        method,
        path: path.to_string(),
        body,
        allowed,
        token_auth: route.starts_with("/api/v1/") && !PUBLIC_API.contains(&route),
        own_session: false,
    }
}

/// The API's routes open to everyone: its description.
const PUBLIC_API: [&str; 2] = ["/api/v1/openapi.json", "/api/v1/docs"];

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

fn page(route: &'static str, path: &str, allowed: &'static [Who]) -> Row {
    row(route, Method::GET, path, Body::Empty, allowed)
}

fn server_fn(route: &'static str, body: Body, allowed: &'static [Who]) -> Row {
    row(route, Method::POST, route, body, allowed)
}

fn matrix(settings: &Value) -> Vec<Row> {
    let save = json!({"task": "tag", "based_on": 1, "settings": settings, "note": "matrix"});
    let answer = json!({"purpose": "annotate", "answer": {"client_id": "matrix-answer",
        "slot_id": 999_999, "labels": null, "rationale": null, "skip_reason": "matrix", "flagged": false}});
    let export = json!({"task": "tag", "shape": "verdicts", "format": "jsonl"});
    let metrics = json!({"task": "tag", "query": {"sample": "unbiased", "judge_config": null, "target_agreement": 0.95}});
    let mut rows = vec![
        // Plain routes.
        page("/healthz", "/healthz", PUBLIC),
        page("/readyz", "/readyz", PUBLIC),
        page("/metrics", "/metrics", PUBLIC),
        page("/pkg", "/pkg/cojudge.css", PUBLIC),
        page("/favicon.svg", "/favicon.svg", PUBLIC),
        page(
            "/exports/{id}/files/{name}",
            "/exports/1/files/verdicts.jsonl",
            MANAGE_DATA,
        ),
        // Pages.
        page("/login", "/login", PUBLIC),
        page("/", "/", SIGNED_IN),
        page("/me", "/me", ANNOTATE),
        page("/tasks/{task}/review", "/tasks/tag/review", ANNOTATE),
        page(
            "/tasks/{task}/adjudicate",
            "/tasks/tag/adjudicate",
            ADJUDICATE,
        ),
        page("/tasks/{task}/metrics", "/tasks/tag/metrics", VIEW_METRICS),
        page(
            "/tasks/{task}/operations",
            "/tasks/tag/operations",
            VIEW_METRICS,
        ),
        page("/exports", "/exports", MANAGE_DATA),
        page("/admin/tasks/{task}", "/admin/tasks/tag", ADMIN),
        page("/admin/users", "/admin/users", ADMIN),
        page("/admin/tokens", "/admin/tokens", ADMIN),
        // Server functions.
        server_fn("/api/auth/me", Body::Empty, PUBLIC),
        server_fn("/api/tasks/summaries", Body::Empty, SIGNED_IN),
        server_fn("/api/users/list", Body::Empty, ADMIN),
        server_fn(
            "/api/users/set_disabled",
            form(&[("email", "nobody@example.org"), ("disabled", "true")]),
            ADMIN,
        ),
        server_fn("/api/tokens/list", Body::Empty, ADMIN),
        server_fn(
            "/api/tokens/create",
            form(&[("name", "matrix token"), ("role", "trainer")]),
            ADMIN,
        ),
        server_fn("/api/tokens/revoke", form(&[("id", "999999")]), ADMIN),
        server_fn("/api/tasks/settings", form(&[("task", "tag")]), ADMIN),
        server_fn("/api/tasks/settings/save", Body::Json(save), ADMIN),
        server_fn("/api/review/guide", form(&[("task", "tag")]), ANNOTATE),
        server_fn(
            "/api/review/next",
            form(&[("task", "tag"), ("purpose", "annotate"), ("holding", "")]),
            ANNOTATE,
        ),
        server_fn(
            "/api/review/next",
            form(&[("task", "tag"), ("purpose", "adjudicate"), ("holding", "")]),
            ADJUDICATE,
        ),
        server_fn("/api/review/answer", Body::Json(answer), ANNOTATE),
        server_fn(
            "/api/review/undo",
            form(&[("purpose", "adjudicate"), ("client_id", "matrix")]),
            ADJUDICATE,
        ),
        server_fn(
            "/api/review/renew",
            form(&[("purpose", "annotate"), ("slots", "")]),
            ANNOTATE,
        ),
        server_fn(
            "/api/review/release",
            form(&[("purpose", "adjudicate"), ("slots", "")]),
            ADJUDICATE,
        ),
        server_fn("/api/review/my-work", Body::Empty, ANNOTATE),
        server_fn("/api/metrics/task", Body::Json(metrics), VIEW_METRICS),
        server_fn(
            "/api/metrics/apply-threshold",
            form(&[
                ("task", "tag"),
                ("based_on", "1"),
                ("threshold", "0.9"),
                ("target_agreement", "0.95"),
            ]),
            ADMIN,
        ),
        server_fn(
            "/api/metrics/promote",
            form(&[
                ("task", "tag"),
                ("based_on", "1"),
                ("evaluation_id", "999999"),
            ]),
            ADMIN,
        ),
        server_fn("/api/metrics/drift", Body::Empty, VIEW_METRICS),
        server_fn("/api/metrics/annotators", form(&[("task", "tag")]), ADMIN),
        server_fn(
            "/api/operations/task",
            Body::Json(json!({"task": "tag", "days": 7})),
            VIEW_METRICS,
        ),
        server_fn(
            "/api/exports/start",
            Body::Json(json!({"spec": export})),
            MANAGE_DATA,
        ),
        server_fn("/api/exports/list", Body::Empty, MANAGE_DATA),
        // The REST API.
        page("/api/v1/whoami", "/api/v1/whoami", MANAGE_DATA),
        row(
            "/api/v1/items",
            Method::POST,
            "/api/v1/items?task=tag",
            Body::Empty,
            MANAGE_DATA,
        ),
        page(
            "/api/v1/tasks/{task}/metrics",
            "/api/v1/tasks/tag/metrics",
            MANAGE_DATA,
        ),
        page(
            "/api/v1/tasks/{task}/operations",
            "/api/v1/tasks/tag/operations",
            MANAGE_DATA,
        ),
        row(
            "/api/v1/exports",
            Method::POST,
            "/api/v1/exports",
            Body::Json(export),
            MANAGE_DATA,
        ),
        page("/api/v1/exports", "/api/v1/exports", MANAGE_DATA),
        page(
            "/api/v1/exports/{id}",
            "/api/v1/exports/999999",
            MANAGE_DATA,
        ),
        page(
            "/api/v1/exports/{id}/files/{name}",
            "/api/v1/exports/999999/files/x.jsonl",
            MANAGE_DATA,
        ),
        page("/api/v1/openapi.json", "/api/v1/openapi.json", PUBLIC),
        page("/api/v1/docs", "/api/v1/docs", PUBLIC),
    ];
    let mut sign_in = server_fn(
        "/api/auth/login",
        form(&[
            ("email", "matrix-login@example.org"),
            ("password", PASSWORD),
            ("next", ""),
        ]),
        PUBLIC,
    );
    sign_in.own_session = true;
    let mut sign_out = server_fn("/api/auth/logout", Body::Empty, PUBLIC);
    sign_out.own_session = true;
    rows.extend([sign_in, sign_out]);
    rows
}

/// The routes the app serves: Leptos' pages, the registered server functions, and the routes
/// the router source adds itself.
fn served_routes() -> BTreeSet<String> {
    let mut routes = BTreeSet::new();
    for listing in leptos_axum::generate_route_list(app::App) {
        routes.insert(listing.path().to_string());
    }
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        routes.insert(path.to_string());
    }
    let sources = [
        include_str!("../../src/web/router.rs"),
        include_str!("../../src/rest/mod.rs"),
    ];
    for source in sources {
        for call in [".route(", ".route_service(", ".nest_service("] {
            for (at, _) in source.match_indices(call) {
                let rest = source[at + call.len()..].trim_start();
                if let Some(literal) = rest.strip_prefix('"') {
                    routes.insert(literal[..literal.find('"').unwrap()].to_string());
                }
            }
        }
    }
    routes
}

struct Caller {
    who: Who,
    client: Client,
    /// The signed-in account's e-mail address (none for the anonymous visitor).
    email: Option<String>,
    token: Option<String>,
}

async fn callers(app: &TestApp) -> Vec<Caller> {
    app.add_user("matrix-login@example.org", Role::Annotator, PASSWORD)
        .await;
    let mut callers = vec![Caller {
        who: Who::Anonymous,
        client: app.client(),
        email: None,
        token: None,
    }];
    for (who, role) in [
        (Who::Annotator, Role::Annotator),
        (Who::Reviewer, Role::Reviewer),
        (Who::Trainer, Role::Trainer),
        (Who::Admin, Role::Admin),
    ] {
        let signed_in = app.signed_in(role).await;
        let token = if matches!(role, Role::Trainer | Role::Admin) {
            Some(app.api_token(&format!("matrix {role}"), role).await)
        } else {
            None
        };
        callers.push(Caller {
            who,
            client: signed_in.client,
            email: Some(signed_in.email),
            token,
        });
    }
    callers
}

/// A client with a session of its own for `caller` (signed in anew, or anonymous).
async fn own_session(app: &TestApp, caller: &Caller) -> Client {
    let client = app.client();
    if let Some(email) = &caller.email {
        assert!(app
            .sign_in(&client, email, harness::PASSWORD)
            .await
            .status()
            .is_redirection());
    }
    client
}

async fn send(app: &TestApp, caller: &Caller, row: &Row) -> (StatusCode, String) {
    let client = if row.own_session {
        own_session(app, caller).await
    } else {
        caller.client.clone()
    };
    let mut request = client
        .request(row.method.clone(), format!("{}{}", app.address, row.path))
        .header("Origin", &app.address);
    if row.route.starts_with("/api/") {
        request = request.header("Accept", "application/json");
    }
    if row.token_auth {
        if let Some(token) = &caller.token {
            request = request.bearer_auth(token);
        }
    }
    request = match &row.body {
        Body::Empty if row.method == Method::POST && !row.token_auth => request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(""),
        Body::Empty => request,
        Body::Form(fields) => request.form(fields),
        Body::Json(value) => request.json(value),
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location)
}

fn refused(status: StatusCode, location: &str) -> bool {
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || (status.is_redirection() && location.starts_with("/login"))
}

#[tokio::test]
async fn every_route_lets_in_exactly_the_roles_that_may_use_it() {
    let app = spawn_app().await;
    let callers = callers(&app).await;
    let admin = callers.iter().find(|c| c.who == Who::Admin).unwrap();
    let view: Value = app
        .call_form(&admin.client, "tasks/settings", &[("task", "tag")])
        .await
        .json()
        .await
        .unwrap();
    let rows = matrix(&view["settings"]);

    let covered: BTreeSet<String> = rows.iter().map(|r| r.route.to_string()).collect();
    let served = served_routes();
    assert!(served.len() >= 45, "the route list was read: {served:?}");
    let missing: Vec<_> = served.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the matrix: {missing:?}"
    );
    let unknown: Vec<_> = covered.difference(&served).collect();
    assert!(
        unknown.is_empty(),
        "matrix rows for routes the app does not serve: {unknown:?}"
    );

    let mut wrong = Vec::new();
    for row in &rows {
        for caller in &callers {
            let (status, location) = send(&app, caller, row).await;
            let may = row.allowed.contains(&caller.who);
            let let_in = !refused(status, &location);
            if may != let_in || status.is_server_error() {
                wrong.push(format!(
                    "{} {} as {:?}: {status} {location} (expected {})",
                    row.method,
                    row.path,
                    caller.who,
                    if may { "let in" } else { "refused" }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
