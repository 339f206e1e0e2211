//! A PostgreSQL restart under load (issue 8): annotators submit over HTTP and the embedded judge
//! works while the database stops and starts again. The web process and its worker reconnect on
//! their own, `/readyz` reports the outage while it lasts, and every answer the server
//! acknowledged is in the database afterwards (clients retry with the same client id until they
//! get an answer, as the review page does).

use crate::harness::{count_where, workspace_target, ServeProcess};
use crate::judge_support::*;
use crate::review_support::items_for_humans;
use fake_openai::{FakeOpenAi, Options};
use futures_util::future::join_all;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ANNOTATORS: usize = 8;
const PASSWORD: &str = "restart-password-1";

fn cojudge_db(action: &str, data_dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_cojudge"))
        .args(["db", action, "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "db {action}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// A cluster of this test's own (the shared test cluster is not restarted), destroyed on drop.
struct OwnCluster {
    data_dir: PathBuf,
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(env!("CARGO_BIN_EXE_cojudge"))
            .args(["db", "destroy", "--data-dir"])
            .arg(&self.data_dir)
            .output();
    }
}

fn labels() -> Value {
    Value::Object(
        TAG_CRITERIA
            .iter()
            .map(|c| (c.to_string(), json!("pass")))
            .collect(),
    )
}

/// One annotator: claims and answers (20 ms per item) until `stop` is set and the queue is empty,
/// retrying every request that gets no answer (timed out, connection refused, 5xx) with the same client
/// id, and counting those in `failed`. Returns the acknowledged ids.
async fn annotate(
    base: String,
    client: reqwest::Client,
    stop: Arc<AtomicBool>,
    failed: Arc<AtomicUsize>,
) -> Vec<String> {
    let mut acknowledged = Vec::new();
    let post = |path: &str| {
        client
            .post(format!("{base}/api/{path}"))
            .header("Origin", &base)
            .header("Accept", "application/json")
    };
    loop {
        let card: Value = loop {
            let response = post("review/next")
                .form(&[("task", "tag"), ("purpose", "annotate"), ("holding", "")])
                .send()
                .await;
            match response {
                Ok(r) if r.status() == 200 => break r.json().await.unwrap(),
                Ok(r) => assert!(r.status().is_server_error(), "next: {}", r.status()),
                Err(_) => {}
            }
            failed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        if card.is_null() {
            if stop.load(Ordering::Relaxed) {
                return acknowledged;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        let client_id = uuid::Uuid::new_v4().to_string();
        let body = json!({"purpose": "annotate", "answer": {"client_id": client_id,
            "slot_id": card["slot_id"], "labels": labels(), "rationale": null,
            "skip_reason": null, "flagged": false}});
        loop {
            match post("review/answer").json(&body).send().await {
                Ok(r) if r.status() == 200 => {
                    let outcome: Value = r.json().await.unwrap();
                    assert!(
                        outcome.get("counted").is_some() || outcome == "duplicate",
                        "{outcome}"
                    );
                    acknowledged.push(client_id.clone());
                    break;
                }
                Ok(r) => assert!(r.status().is_server_error(), "answer: {}", r.status()),
                Err(_) => {}
            }
            failed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn a_database_restart_under_load_loses_no_acknowledged_answer() {
    let cluster = OwnCluster {
        data_dir: workspace_target().join(format!("restart-pg-{}", uuid::Uuid::new_v4().simple())),
    };
    let admin_url = cojudge_db("start", &cluster.data_dir);
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path("/restart");
    let admin = PgPool::connect(&admin_url).await.unwrap();
    sqlx::query("CREATE DATABASE restart")
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(url.as_str())
        .await
        .unwrap();
    cojudge::database::migrate(&pool).await.unwrap();
    cojudge::seed::builtin_tasks::ensure_builtin_tasks(&pool)
        .await
        .unwrap();
    items_for_humans(&pool, 240, 1).await;
    queue_items(&pool, "tag", "judge", 400, |_| false).await;
    let hash = app::services::password::hash(PASSWORD.to_string())
        .await
        .unwrap();
    for n in 0..ANNOTATORS {
        sqlx::query("INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, 'A', 'annotator', $2)")
            .bind(format!("restart{n}@example.org"))
            .bind(&hash)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let fake = FakeOpenAi::start_with(Options {
        latency: Duration::from_millis(30),
        ..Options::default()
    })
    .await;
    let server = ServeProcess::start(
        url.as_str(),
        &["--judge-concurrency", "4", "--judge-lease-secs", "5"],
        &[
            ("OPENAI_BASE_URL", fake.base_url().as_str()),
            ("COJUDGE_JUDGE_MODEL", "judge-test-model"),
            ("COJUDGE_LOG_FORMAT", "json"),
        ],
    )
    .await;
    let base = server.base.clone();
    let probe = reqwest::Client::new();
    let mut clients = Vec::new();
    for n in 0..ANNOTATORS {
        // The page gives up on a request after a second and sends it again: while the database
        // is down, requests wait for a connection, and the retry may reach the server while the
        // first is still being answered.
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(1))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let signed_in = client
            .post(format!("{base}/api/auth/login"))
            .header("Origin", &base)
            .form(&[
                ("email", format!("restart{n}@example.org").as_str()),
                ("password", PASSWORD),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            signed_in.status().is_success() || signed_in.status().is_redirection(),
            "{}",
            signed_in.status()
        );
        clients.push(client);
    }

    // Readiness, every 50 ms: what it answered, in order.
    let readiness = Arc::new(Mutex::new(Vec::<u16>::new()));
    let watching = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (readiness, watching, base) = (readiness.clone(), watching.clone(), base.clone());
        tokio::spawn(async move {
            while watching.load(Ordering::Relaxed) {
                let status = match probe.get(format!("{base}/readyz")).send().await {
                    Ok(response) => response.status().as_u16(),
                    Err(_) => 0,
                };
                readiness.lock().unwrap().push(status);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let stop = Arc::new(AtomicBool::new(false));
    let failed = Arc::new(AtomicUsize::new(0));
    let annotators =
        tokio::spawn(join_all(clients.into_iter().map(|client| {
            annotate(base.clone(), client, stop.clone(), failed.clone())
        })));

    // Restart once the annotators and the judge are under way.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let data_dir = cluster.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        cojudge_db("stop", &data_dir);
        std::thread::sleep(Duration::from_secs(3));
        cojudge_db("start", &data_dir);
    })
    .await
    .unwrap();

    // The judge finishes its queue; then the annotators finish theirs.
    let pool = PgPool::connect(url.as_str()).await.unwrap();
    for _ in 0..600 {
        if pending(&pool).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let acknowledged: Vec<String> = tokio::time::timeout(Duration::from_secs(120), annotators)
        .await
        .expect("the annotators finish the queue after the restart")
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    let failed = failed.load(Ordering::Relaxed);
    assert!(failed > 0, "the annotators were at work during the outage");
    watching.store(false, Ordering::Relaxed);
    watcher.await.unwrap();

    let stored: HashSet<String> = sqlx::query_scalar("SELECT client_id::text FROM annotations")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    // The 240 items routed to humans at the start, and those the judge sent them meanwhile.
    let distinct: HashSet<&String> = acknowledged.iter().collect();
    assert_eq!(distinct.len(), acknowledged.len());
    assert!(acknowledged.len() >= 240, "{} answers", acknowledged.len());
    let open = count_where(&pool, "items", "state = 'human_review'").await;
    assert_eq!(open, 0, "every item sent to humans was answered");
    println!(
        "database restart: {} answers acknowledged and stored, {failed} requests retried during the outage",
        acknowledged.len()
    );
    assert_eq!(
        pending(&pool).await,
        0,
        "the worker reconnected and judged the rest"
    );
    let judged: i64 = sqlx::query_scalar("SELECT count(*) FROM judgments WHERE item_id IN (SELECT id FROM items WHERE external_id LIKE 'judge-%')")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(judged, 400);
    let readiness = readiness.lock().unwrap().clone();
    let first_outage = readiness
        .iter()
        .position(|s| *s != 200)
        .expect("readiness reported the outage");
    assert!(
        readiness[first_outage..].contains(&200),
        "ready again after the restart: {readiness:?}"
    );
    assert!(
        readiness[first_outage..]
            .iter()
            .all(|s| *s == 200 || *s == 503),
        "the process itself stayed up and answered 503 while the database was down: {readiness:?}"
    );
    pool.close().await;
}
