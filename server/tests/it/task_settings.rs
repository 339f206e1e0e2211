//! The admin's task settings over HTTP: a save makes a new rubric version and an audit-log entry
//! naming what changed; a stale save, an invalid value and a renamed criterion are refused with
//! clear messages; only admins may read or save.

use crate::harness::{spawn_app, TestApp};
use app::domain::Role;
use serde_json::{json, Value};

async fn settings(app: &TestApp, client: &reqwest::Client) -> (u16, Value) {
    let response = app
        .call_form(client, "tasks/settings", &[("task", "tag")])
        .await;
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn save(
    app: &TestApp,
    client: &reqwest::Client,
    based_on: i64,
    settings: &Value,
) -> (u16, Value) {
    let response = client
        .post(format!("{}/api/tasks/settings/save", app.address))
        .header("Accept", "application/json")
        .json(&json!({"task": "tag", "based_on": based_on, "settings": settings, "note": "calibrated"}))
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn saving_settings_makes_a_version_and_an_audit_entry_and_refuses_bad_or_stale_saves() {
    let app = spawn_app().await;
    let signed_in = app.signed_in(Role::Admin).await;
    let admin = signed_in.client;
    let (status, view) = settings(&app, &admin).await;
    assert_eq!(status, 200);
    let version = view["rubric_version"].as_i64().unwrap();
    let mut changed = view["settings"].clone();
    changed["routing"]["confidence_threshold"] = json!(0.9);
    changed["routing"]["show_judge_suggestion"] = json!(false);
    changed["criteria"][0]["definition"] = json!("Every tag fits its interest.");
    assert_eq!(
        save(&app, &admin, version, &changed).await,
        (200, json!(version + 1))
    );

    let (_, after) = settings(&app, &admin).await;
    assert_eq!(after["rubric_version"], json!(version + 1));
    assert_eq!(
        after["settings"]["routing"]["confidence_threshold"],
        json!(0.9)
    );
    assert_eq!(after["versions"][0]["note"], json!("calibrated"));
    assert_eq!(after["versions"][0]["created_by"], json!(signed_in.email));
    let audit = &after["audit"][0];
    assert_eq!(
        (audit["actor"].as_str(), audit["action"].as_str()),
        (Some(signed_in.email.as_str()), Some("task.settings"))
    );
    let details: Value = serde_json::from_str(audit["details"].as_str().unwrap()).unwrap();
    assert_eq!(
        details["changed"],
        json!([
            "criteria[0]",
            "routing.confidence_threshold",
            "routing.show_judge_suggestion"
        ])
    );

    let (status, body) = save(&app, &admin, version, &changed).await;
    assert_eq!(status, 409, "a save based on an old version: {body}");
    let mut invalid = after["settings"].clone();
    invalid["routing"]["audit_rate"] = json!(1.5);
    let (status, body) = save(&app, &admin, version + 1, &invalid).await;
    assert_eq!(status, 400);
    assert!(
        body.to_string()
            .contains("routing.audit_rate: must be between 0 and 1"),
        "{body}"
    );
    let mut renamed = after["settings"].clone();
    renamed["criteria"][0]["name"] = json!("fit");
    let (status, body) = save(&app, &admin, version + 1, &renamed).await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("task file"), "{body}");
    let (status, body) = save(&app, &admin, version + 1, &after["settings"]).await;
    assert_eq!(
        (status, body.to_string().contains("Nothing changed")),
        (400, true)
    );
}

#[tokio::test]
async fn only_admins_read_or_save_task_settings() {
    let app = spawn_app().await;
    let admin = app.signed_in(Role::Admin).await.client;
    let (_, view) = settings(&app, &admin).await;
    let mut changed = view["settings"].clone();
    changed["routing"]["audit_rate"] = json!(0.5);
    for role in [Role::Trainer, Role::Reviewer, Role::Annotator] {
        let client = app.signed_in(role).await.client;
        assert_eq!(settings(&app, &client).await.0, 403, "{role}");
        assert_eq!(save(&app, &client, 1, &changed).await.0, 403, "{role}");
    }
    let anonymous = app.client();
    assert_eq!(settings(&app, &anonymous).await.0, 401);
}
