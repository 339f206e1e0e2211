//! `POST /api/v1/items` over real HTTP: token checks, limits, compression, races, and the
//! OpenAPI spec that documents it.

use crate::harness::{count, spawn_app, TestApp};
use crate::import::{jsonl, tag_items};
use app::db::audit::Actor;
use app::db::tokens::{revoke, TokenRef};
use app::domain::Role;
use std::io::Write;

async fn token(app: &TestApp, name: &str, role: Role) -> String {
    app.api_token(name, role).await
}

async fn post_items(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    body: Vec<u8>,
    encoding: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/items?{query}", app.address))
        .header("Content-Type", "application/x-ndjson")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(encoding) = encoding {
        request = request.header("Content-Encoding", encoding);
    }
    request.send().await.unwrap()
}

async fn error_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test]
async fn a_trainer_token_imports_ndjson_and_gets_a_report() {
    let app = spawn_app().await;
    let trainer = token(&app, "nightly", Role::Trainer).await;

    let response = post_items(
        &app,
        Some(&trainer),
        "task=tag&batch=rest",
        jsonl(&tag_items(8, 21)).into_bytes(),
        None,
    )
    .await;

    assert_eq!(response.status(), 200);
    let report: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (report["inserted"].as_u64(), report["committed"].as_bool()),
        (Some(8), Some(true))
    );
    let audited: Option<i64> =
        sqlx::query_scalar("SELECT actor_token_id FROM audit_log WHERE action = 'items.imported'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(audited.is_some(), "the import is audited under the token");
}

#[tokio::test]
async fn a_gzip_body_is_read_and_a_repeat_is_unchanged() {
    let app = spawn_app().await;
    let admin = token(&app, "admin-script", Role::Admin).await;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(jsonl(&tag_items(5, 22)).as_bytes()).unwrap();
    let body = gz.finish().unwrap();

    let first: serde_json::Value =
        post_items(&app, Some(&admin), "task=tag", body.clone(), Some("gzip"))
            .await
            .json()
            .await
            .unwrap();
    let again: serde_json::Value = post_items(&app, Some(&admin), "task=tag", body, Some("gzip"))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(first["inserted"], 5);
    assert_eq!(
        (again["inserted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(5))
    );
}

#[tokio::test]
async fn missing_wrong_revoked_and_expired_tokens_are_refused() {
    let app = spawn_app().await;
    let body = || jsonl(&tag_items(1, 23)).into_bytes();
    let revoked = token(&app, "old", Role::Trainer).await;
    revoke(&app.pool, TokenRef::Name("old"), Actor::Other("test"))
        .await
        .unwrap();
    let expired = token(&app, "expired", Role::Trainer).await;
    sqlx::query(
        "UPDATE api_tokens SET expires_at = now() - interval '1 day' WHERE name = 'expired'",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    assert_eq!(
        error_code(post_items(&app, None, "task=tag", body(), None).await).await,
        (401, "missing_token".into())
    );
    assert_eq!(
        error_code(post_items(&app, Some("cjt_notarealtoken"), "task=tag", body(), None).await)
            .await
            .0,
        401
    );
    assert_eq!(
        error_code(post_items(&app, Some(&revoked), "task=tag", body(), None).await).await,
        (401, "invalid_token".into())
    );
    assert_eq!(
        error_code(post_items(&app, Some(&expired), "task=tag", body(), None).await).await,
        (401, "invalid_token".into())
    );
    assert_eq!(count(&app.pool, "items").await, 0);
}

#[tokio::test]
async fn invalid_lines_give_422_with_their_line_and_field_and_nothing_is_imported() {
    let app = spawn_app().await;
    let trainer = token(&app, "t", Role::Trainer).await;
    let mut items = tag_items(3, 24);
    items[1]["output"] = serde_json::json!({"tags": "not a list"});

    let response = post_items(
        &app,
        Some(&trainer),
        "task=tag",
        jsonl(&items).into_bytes(),
        None,
    )
    .await;

    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_lines");
    assert_eq!(body["error"]["details"][0]["line"], 2);
    assert_eq!(body["error"]["details"][0]["field"], "output.tags");
    assert_eq!(count(&app.pool, "items").await, 0);
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_saying_to_chunk_or_use_the_cli() {
    let app = spawn_app().await; // the test server's limit is 1 MB
    let trainer = token(&app, "t", Role::Trainer).await;
    let big = jsonl(&tag_items(40, 25)).repeat(80).into_bytes();
    assert!(big.len() > 1_000_000);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();

    let declared = post_items(&app, Some(&trainer), "task=tag", big, None).await;
    let streamed = reqwest::Client::new()
        .post(format!("{}/api/v1/items?task=tag", app.address))
        .bearer_auth(&trainer)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();

    for response in [declared, streamed] {
        assert_eq!(response.status(), 413);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "body_too_large");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cojudge import"));
    }
    assert_eq!(count(&app.pool, "items").await, 0);
}

#[tokio::test]
async fn a_gzip_bomb_gets_413_and_an_endless_line_422_naming_it_and_nothing_is_imported() {
    // The test server allows 1 MB of body, 5 MB once decompressed and 100 kB per line.
    let app = spawn_app().await;
    let trainer = token(&app, "t", Role::Trainer).await;
    let gzip = |text: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(text).unwrap();
        gz.finish().unwrap()
    };
    let valid = jsonl(&tag_items(40, 25));
    let mut bomb_text = valid.clone().into_bytes();
    bomb_text.extend(std::iter::repeat_n(b'\n', 50_000_000));
    let bomb = gzip(&bomb_text);
    assert!(bomb.len() < 1_000_000, "{} bytes", bomb.len());
    let response = post_items(&app, Some(&trainer), "task=tag", bomb, Some("gzip")).await;
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "decompressed_too_large");
    assert!(body["error"]["message"].as_str().unwrap().contains("5 MB"));

    let mut endless = valid.clone().into_bytes();
    endless.extend(std::iter::repeat_n(b'x', 3_000_000));
    let response = post_items(
        &app,
        Some(&trainer),
        "task=tag",
        gzip(&endless),
        Some("gzip"),
    )
    .await;
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "line_too_long");
    assert_eq!(body["error"]["details"][0]["line"], 41);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Line 41"));

    let csv = "external_id,output\nx1,\"".to_owned() + &"y".repeat(200_000) + "\"\n";
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/items?task=tag", app.address))
        .bearer_auth(&trainer)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(response).await,
        (422, "line_too_long".to_owned())
    );
    assert_eq!(count(&app.pool, "items").await, 0);
}

#[tokio::test]
async fn an_unknown_task_is_404_and_an_unsupported_encoding_415() {
    let app = spawn_app().await;
    let trainer = token(&app, "t", Role::Trainer).await;
    assert_eq!(
        error_code(post_items(&app, Some(&trainer), "task=nosuch", b"{}\n".to_vec(), None).await)
            .await,
        (404, "unknown_task".into())
    );
    assert_eq!(
        error_code(
            post_items(
                &app,
                Some(&trainer),
                "task=tag",
                b"{}\n".to_vec(),
                Some("br")
            )
            .await
        )
        .await,
        (415, "unsupported_encoding".into())
    );
}

#[tokio::test]
async fn two_concurrent_imports_of_overlapping_files_neither_duplicate_nor_deadlock() {
    let app = spawn_app().await;
    let trainer = token(&app, "t", Role::Trainer).await;
    let items = tag_items(300, 26);
    let first: Vec<_> = items[..200].to_vec();
    let mut second: Vec<_> = items[100..].to_vec();
    second.reverse(); // overlapping ids, inserted in the opposite order

    let (a, b) = tokio::join!(
        post_items(
            &app,
            Some(&trainer),
            "task=tag",
            jsonl(&first).into_bytes(),
            None
        ),
        post_items(
            &app,
            Some(&trainer),
            "task=tag",
            jsonl(&second).into_bytes(),
            None
        ),
    );

    let (a, b): (serde_json::Value, serde_json::Value) =
        (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(
        a["inserted"].as_u64().unwrap() + b["inserted"].as_u64().unwrap(),
        300
    );
    assert_eq!(
        a["unchanged"].as_u64().unwrap() + b["unchanged"].as_u64().unwrap(),
        100
    );
    let distinct: i64 = sqlx::query_scalar("SELECT count(DISTINCT external_id) FROM items")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let total = count(&app.pool, "items").await;
    assert_eq!((distinct, total), (300, 300));
}

#[tokio::test]
async fn the_openapi_spec_is_3_1_and_documents_every_rest_route() {
    let app = spawn_app().await;

    let spec: serde_json::Value = reqwest::get(format!("{}/api/v1/openapi.json", app.address))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let docs = reqwest::get(format!("{}/api/v1/docs", app.address))
        .await
        .unwrap();

    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    // Valid against the official OpenAPI 3.1 schema.
    let meta: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/openapi-3.1.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&meta).expect("the OpenAPI 3.1 schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&spec)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let mut broken = spec.clone();
    broken["paths"]["/api/v1/whoami"]["get"]["responses"] = serde_json::json!("none");
    assert!(
        !validator.is_valid(&broken),
        "the validator catches a broken spec"
    );
    let documented: Vec<String> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    // Every route of the REST router except the spec and its page must be documented.
    for route in [
        "POST /api/v1/items",
        "GET /api/v1/tasks/{task}/metrics",
        "GET /api/v1/tasks/{task}/operations",
        "POST /api/v1/exports",
        "GET /api/v1/exports",
        "GET /api/v1/exports/{id}",
        "GET /api/v1/exports/{id}/files/{name}",
        "GET /api/v1/whoami",
    ] {
        assert!(
            documented.contains(&route.to_string()),
            "{route} is missing from {documented:?}"
        );
    }
    assert_eq!(documented.len(), 8, "{documented:?}");
    for schema in ["ImportReport", "LineError", "Conflict", "ErrorBody"] {
        assert!(
            spec["components"]["schemas"][schema].is_object(),
            "schema {schema}"
        );
    }
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("/api/v1/items"));
}
