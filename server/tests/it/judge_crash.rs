//! Crash safety and concurrency of judge workers: racing workers judge every item once, a worker
//! killed mid-flight loses nothing (its leases lapse and another worker takes over), and SIGTERM
//! stops claiming, finishes or hands back in-flight work, and exits cleanly.

use crate::harness::migrated_pool;
use crate::judge_support::*;
use cojudge::judge::worker;
use fake_openai::{FakeOpenAi, Options};
use secrecy::ExposeSecret;
use sqlx::PgPool;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `cojudge worker` process against `database` and `endpoint`.
fn spawn_worker(database: &str, endpoint: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cojudge"))
        .arg("worker")
        .args(extra)
        .env("DATABASE_URL", database)
        .env("OPENAI_BASE_URL", endpoint)
        .env("COJUDGE_JUDGE_MODEL", "judge-test-model")
        .env("COJUDGE_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the cojudge binary starts")
}

async fn wait_for_leases(pool: &PgPool, at_least: i64) {
    for _ in 0..200 {
        let leased: i64 = sqlx::query_scalar("SELECT count(*) FROM items WHERE state = 'judging'")
            .fetch_one(pool)
            .await
            .unwrap();
        if leased >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the worker never claimed {at_least} items");
}

async fn judgments_per_item(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT count(j.id) FROM items i LEFT JOIN judgments j ON j.item_id = i.id GROUP BY i.id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn two_racing_workers_judge_every_item_exactly_once() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start_with(Options {
        latency: Duration::from_millis(20),
        ..Options::default()
    })
    .await;
    queue_items(&pool, "tag", "race", 300, |_| false).await;

    let settings = settings(Some(fake.base_url()));
    let (first, second) = tokio::join!(
        worker::run(pool.clone(), settings.clone(), drained(pool.clone())),
        worker::run(pool.clone(), settings, drained(pool.clone())),
    );
    let (first, second) = (first.unwrap(), second.unwrap());

    assert_eq!(first.judged + second.judged, 300);
    assert!(
        first.judged > 0 && second.judged > 0,
        "both workers took part: {first:?} {second:?}"
    );
    assert_eq!(fake.request_count(), 300, "no item was sent twice");
    assert!(judgments_per_item(&pool).await.iter().all(|n| *n == 1));
    let decisions: i64 = sqlx::query_scalar("SELECT count(*) FROM routing_decisions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(decisions, 300);
}

#[tokio::test]
async fn a_worker_killed_mid_flight_loses_nothing_and_duplicates_nothing() {
    let (pool, url) = migrated_pool().await;
    let fake = FakeOpenAi::start_with(Options {
        latency: Duration::from_secs(3),
        ..Options::default()
    })
    .await;
    queue_items(&pool, "tag", "kill", 40, |_| false).await;

    let mut doomed = spawn_worker(
        url.expose_secret(),
        &fake.base_url(),
        &["--judge-concurrency", "8", "--judge-lease-secs", "1"],
    );
    wait_for_leases(&pool, 8).await;
    doomed.kill().unwrap();
    doomed.wait().unwrap();
    let orphaned: i64 = sqlx::query_scalar("SELECT count(*) FROM items WHERE state = 'judging'")
        .fetch_one(&pool)
        .await
        .unwrap();
    // Eight in flight, plus the few it had claimed ahead.
    assert!(
        (8..=12).contains(&orphaned),
        "the killed worker held {orphaned} items"
    );

    // Another worker takes the orphans over once their leases lapse.
    let mut survivor = settings(Some(fake.base_url()));
    survivor.concurrency = 40;
    run_until_drained(&pool, survivor).await;

    assert!(judgments_per_item(&pool).await.iter().all(|n| *n == 1));
    assert_eq!(judgments_per_item(&pool).await.len(), 40);
    let retaken: i64 = sqlx::query_scalar("SELECT count(*) FROM items WHERE judge_attempts = 2")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(retaken, orphaned, "every orphan was taken over once");
}

#[tokio::test]
async fn sigterm_stops_claiming_finishes_in_flight_work_and_exits_cleanly() {
    let (pool, url) = migrated_pool().await;
    let fake = FakeOpenAi::start_with(Options {
        latency: Duration::from_millis(1500),
        ..Options::default()
    })
    .await;
    queue_items(&pool, "tag", "term", 30, |_| false).await;

    let mut child = spawn_worker(
        url.expose_secret(),
        &fake.base_url(),
        &["--judge-concurrency", "5", "--judge-grace-secs", "10"],
    );
    wait_for_leases(&pool, 5).await;
    // Five calls under way at the endpoint (claimed items whose call has not started yet are
    // handed back, not judged).
    for _ in 0..200 {
        if fake.request_count() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(fake.request_count(), 5);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();

    assert!(status.success(), "{status:?}");
    let rows = states(&pool).await;
    assert!(rows.iter().all(|(state, _)| state != "judging"), "{rows:?}");
    let judged: i64 = sqlx::query_scalar("SELECT count(*) FROM judgments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        judged, 5,
        "the five in-flight items were finished, nothing new was claimed"
    );
    assert_eq!(pending(&pool).await, 25);
}

#[tokio::test]
async fn a_worker_rides_out_dropped_database_connections() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start_with(Options {
        latency: Duration::from_millis(100),
        ..Options::default()
    })
    .await;
    queue_items(&pool, "tag", "blip", 60, |_| false).await;
    let mut settings = settings(Some(fake.base_url()));
    settings.concurrency = 8;
    settings.lease = Duration::from_secs(2);
    let worker = tokio::spawn(worker::run(pool.clone(), settings, drained(pool.clone())));
    wait_for_leases(&pool, 4).await;

    // Every other connection to the database goes, as in a restart or failover.
    let dropped: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(dropped > 0);

    let report = tokio::time::timeout(Duration::from_secs(60), worker)
        .await
        .expect("the worker carries on and drains the queue")
        .unwrap()
        .expect("the worker does not give up");
    assert!(report.judged >= 55, "{report:?}");
    let per_item = judgments_per_item(&pool).await;
    assert_eq!(per_item.len(), 60);
    assert!(per_item.iter().all(|n| *n == 1), "{per_item:?}");
}
