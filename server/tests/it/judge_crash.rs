//! Crash safety and concurrency of judge workers: racing workers judge every item once, a worker
//! killed mid-flight loses nothing (its leases lapse and another worker takes over), and SIGTERM
//! stops claiming, finishes or hands back in-flight work, and exits cleanly.

use crate::harness::{count, count_where, migrated_pool};
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
        let leased = count_where(pool, "items", "state = 'judging'").await;
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
    let decisions = count(&pool, "routing_decisions").await;
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
    let orphaned = count_where(&pool, "items", "state = 'judging'").await;
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
    let retaken = count_where(&pool, "items", "judge_abandoned = 1 AND judge_attempts = 1").await;
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
    let judged = count(&pool, "judgments").await;
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

/// Kills for the SIGKILL soak: 100 in CI; `COJUDGE_SOAK_KILLS` runs a longer soak.
fn soak_kills() -> usize {
    std::env::var("COJUDGE_SOAK_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100)
}

/// A small xorshift generator: the soak's random moments, reproducible from the seed it prints.
struct Moments(u64);

impl Moments {
    fn between(&mut self, low_ms: u64, high_ms: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(low_ms + self.0 % (high_ms - low_ms))
    }
}

#[tokio::test]
async fn workers_killed_at_random_moments_under_steady_load_lose_and_duplicate_nothing() {
    let (pool, url) = migrated_pool().await;
    let fake = FakeOpenAi::start_with(Options {
        latency: Duration::from_millis(40),
        ..Options::default()
    })
    .await;
    let kills = soak_kills();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("SIGKILL soak: {kills} kills, seed {seed}");

    // A worker that is never killed judges alongside the doomed ones, as in a fleet.
    let mut survivor = settings(Some(fake.base_url()));
    survivor.concurrency = 8;
    survivor.lease = Duration::from_secs(2);
    let (stop_survivor, stopped) = tokio::sync::oneshot::channel::<()>();
    let steady = tokio::spawn(worker::run(pool.clone(), survivor, async {
        let _ = stopped.await;
    }));

    // Steady inflow: 10 items every 100 ms while the killing goes on.
    let (stop_inflow, mut inflow_stopped) = tokio::sync::oneshot::channel::<()>();
    let inflow_pool = pool.clone();
    let inflow = tokio::spawn(async move {
        let mut batch = 0;
        loop {
            queue_items(&inflow_pool, "tag", &format!("soak{batch}"), 10, |n| n == 0).await;
            batch += 1;
            tokio::select! {
                _ = &mut inflow_stopped => return batch * 10,
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    });

    // Two slots, each starting a worker process and SIGKILLing it after a random 100–700 ms
    // (during start-up, claiming, calling the endpoint or recording).
    let started = std::time::Instant::now();
    let killers = (0..2u64).map(|slot| {
        let url = url.expose_secret().to_string();
        let endpoint = fake.base_url();
        let mut moments = Moments(seed.wrapping_add(slot.wrapping_mul(0x9E37_79B9)) | 1);
        tokio::task::spawn_blocking(move || {
            let mut killed = 0;
            for _ in 0..kills.div_ceil(2) {
                let mut doomed = spawn_worker(
                    &url,
                    &endpoint,
                    &["--judge-concurrency", "8", "--judge-lease-secs", "1"],
                );
                std::thread::sleep(moments.between(100, 700));
                assert!(
                    doomed.try_wait().unwrap().is_none(),
                    "the worker was alive until killed"
                );
                doomed.kill().unwrap();
                doomed.wait().unwrap();
                killed += 1;
            }
            killed
        })
    });
    let killed: usize = futures_util::future::join_all(killers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .sum();
    let soak = started.elapsed();
    stop_inflow.send(()).unwrap();
    let queued = inflow.await.unwrap();
    assert!(killed >= kills, "{killed} kills");

    // The survivor takes over every orphan once its lease lapses, and drains the queue.
    for _ in 0..600 {
        if pending(&pool).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_survivor.send(()).unwrap();
    steady.await.unwrap().unwrap();

    assert_all_settled(&pool, queued).await;
    let per_item = judgments_per_item(&pool).await;
    assert_eq!(per_item.len(), queued, "no item lost");
    assert!(per_item.iter().all(|n| *n == 1), "one judgment per item");
    let (decisions, routed): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT item_id) FROM routing_decisions")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (decisions, routed),
        (queued as i64, queued as i64),
        "one routing decision per item"
    );
    let retaken = count_where(&pool, "items", "judge_abandoned > 0").await;
    assert!(retaken > 0, "some kills caught a worker holding items");
    println!(
        "SIGKILL soak: {killed} kills in {soak:.1?}, {queued} items, {retaken} taken over from killed workers"
    );
}
