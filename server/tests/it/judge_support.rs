//! Shared set-up for the judge tests: items straight into the queue, worker settings pointing at
//! a fake OpenAI-compatible server, and running workers until the queue is empty.

use cojudge::judge::rate_limit::RateLimits;
use cojudge::judge::retry::RetryPolicy;
use cojudge::judge::settings::Endpoint;
use cojudge::judge::worker::{self, WorkerReport};
use cojudge::judge::WorkerSettings;
use sqlx::PgPool;
use std::time::Duration;

pub const TAG_CRITERIA: [&str; 4] = ["relevance", "consistency", "specificity", "validity"];

/// Worker settings for `base_url` with fast retries and short timeouts.
pub fn settings(base_url: Option<String>) -> WorkerSettings {
    WorkerSettings {
        endpoint: base_url.map(|base_url| Endpoint {
            base_url,
            api_key: Some("sk-test-secret".to_string().into()),
            extra_roots: Vec::new(),
        }),
        default_model: "judge-test-model".into(),
        concurrency: 16,
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(5),
        },
        output_retries: 2,
        max_attempts: 3,
        retry_delay: Duration::from_millis(50),
        limits: RateLimits::default(),
        prices: Some((0.15, 0.6)),
        lease: Duration::from_secs(30),
        grace: Duration::from_secs(5),
    }
}

/// Queues `count` items of `task` named `{prefix}-{n}`; golden where `golden(n)`.
pub async fn queue_items(
    pool: &PgPool,
    task: &str,
    prefix: &str,
    count: usize,
    golden: impl Fn(usize) -> bool,
) {
    for n in 0..count {
        sqlx::query(
            "INSERT INTO items (task_id, external_id, context, output, golden, content_hash)
             SELECT id, $2, $3, $4, $5, sha256($2::bytea) FROM tasks WHERE name = $1",
        )
        .bind(task)
        .bind(format!("{prefix}-{n}"))
        .bind(serde_json::json!({"user": {"age_band": "25-34"}, "interests": ["tennis"], "n": n}))
        .bind(serde_json::json!({"tags": [{"tag": format!("tag number {n}"), "interest": "tennis", "reason": "fits"}]}))
        .bind(golden(n).then(|| serde_json::json!({"relevance": "pass"})))
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Items still waiting or leased.
pub async fn pending(pool: &PgPool) -> i64 {
    app::db::queue::judge::pending(pool).await.unwrap()
}

/// Resolves once nothing is waiting, leased or backing off.
pub async fn drained(pool: PgPool) {
    worker::queue_empty(pool).await
}

/// Runs one worker until the queue is empty (at most 60 s).
pub async fn run_until_drained(pool: &PgPool, settings: WorkerSettings) -> WorkerReport {
    tokio::time::timeout(
        Duration::from_secs(60),
        worker::run(pool.clone(), settings, drained(pool.clone())),
    )
    .await
    .expect("the worker drains the queue within a minute")
    .expect("the worker runs")
}

/// `(state, count)` over all items, by state.
pub async fn states(pool: &PgPool) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT state, count(*) FROM items GROUP BY state ORDER BY state")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Asserts that all `expected` items ended judged (`done`) or with humans (`human_review`):
/// none waiting, leased or failed.
pub async fn assert_all_settled(pool: &PgPool, expected: usize) {
    let by_state = states(pool).await;
    let settled: i64 = by_state
        .iter()
        .filter(|(state, _)| state == "done" || state == "human_review")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(
        settled, expected as i64,
        "every item judged or with humans: {by_state:?}"
    );
}

/// `(reason, count)` over all routing decisions, by reason.
pub async fn reasons(pool: &PgPool) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT reason, count(*) FROM routing_decisions GROUP BY reason ORDER BY reason")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Changes a judge setting of a task's current rubric in place (test set-up only).
pub async fn set_judge_setting(pool: &PgPool, task: &str, key: &str, value: serde_json::Value) {
    sqlx::query(
        "UPDATE rubrics r SET definition = jsonb_set(r.definition, ARRAY['judge', $2], $3)
         FROM tasks t WHERE t.id = r.task_id AND r.version = t.current_rubric AND t.name = $1",
    )
    .bind(task)
    .bind(key)
    .bind(value)
    .execute(pool)
    .await
    .unwrap();
}

/// A judgment where every tag criterion gets `label` with probability `p`.
pub fn all_tag(label: &str, p: f64) -> fake_openai::Reply {
    fake_openai::Reply::Judgment(
        TAG_CRITERIA
            .iter()
            .map(|c| (c.to_string(), label.to_string(), p))
            .collect(),
    )
}
