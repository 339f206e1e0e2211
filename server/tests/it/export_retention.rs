//! The retention of export files: old jobs' files are deleted, never while one is being
//! downloaded (a download and the sweep are raced), and a download afterwards answers 410.

use crate::export_support::seed;
use crate::harness::spawn_app;
use app::db::export_downloads;
use app::domain::{ExportFormat, ExportShape, Role};
use serde_json::Value;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);
const RETENTION: Duration = Duration::from_secs(30 * 86_400);

#[tokio::test]
async fn old_export_files_are_deleted_but_not_while_downloaded_and_then_answer_410() {
    let app = spawn_app().await;
    seed(&app.pool).await;
    let token = app.api_token("trainer-bot", Role::Trainer).await;
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", app.address);
    let started: Value = client
        .post(api("/exports"))
        .bearer_auth(&token)
        .json(&crate::export::spec(ExportShape::Sft, ExportFormat::Jsonl))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["id"].as_i64().unwrap();
    assert_eq!(app.run_export_jobs().await, 1);
    let folder = app.exports.path().join(id.to_string());
    assert!(folder.exists());

    // Young files stay.
    let root = app.exports.path();
    assert_eq!(
        cojudge::export::retention::sweep(&app.pool, root, RETENTION)
            .await
            .unwrap(),
        0
    );
    sqlx::query("UPDATE exports SET finished_at = now() - interval '31 days' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    // Old ones stay while a download holds its lease…
    let download = export_downloads::begin(&app.pool, id, LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        cojudge::export::retention::sweep(&app.pool, root, RETENTION)
            .await
            .unwrap(),
        0
    );
    assert!(folder.exists());
    // …and go once it ends.
    export_downloads::finish(&app.pool, download).await.unwrap();
    assert_eq!(
        cojudge::export::retention::sweep(&app.pool, root, RETENTION)
            .await
            .unwrap(),
        1
    );
    assert!(!folder.exists());

    let record: Value = client
        .get(api(&format!("/exports/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(record["files_deleted_at"].is_string(), "{record}");
    let name = record["files"][0]["name"].as_str().unwrap();
    let gone = client
        .get(api(&format!("/exports/{id}/files/{name}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(body["error"]["code"], "files_deleted");
    assert!(export_downloads::begin(&app.pool, id, LEASE)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_download_starting_while_the_sweep_runs_either_keeps_the_files_or_is_refused() {
    let app = spawn_app().await;
    seed(&app.pool).await;
    let task_id: i64 = sqlx::query_scalar("SELECT id FROM tasks WHERE name = 'interest'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for round in 0..40 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO exports (task_id, spec, origin, state, manifest, finished_at)
             VALUES ($1, '{}', 'api', 'done', '{}', now() - interval '40 days') RETURNING id",
        )
        .bind(task_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        let (download, expired) = tokio::join!(
            export_downloads::begin(&app.pool, id, LEASE),
            export_downloads::expire(&app.pool, RETENTION),
        );
        let downloading = download.unwrap().is_some();
        let deleted = expired.unwrap().contains(&id);
        assert!(
            downloading != deleted,
            "round {round}: downloading {downloading}, deleted {deleted}"
        );
    }
}
