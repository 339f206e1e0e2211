//! The operations dashboards: the sampler's queue samples and hourly roll-up (one sample per
//! interval however many processes sample), the figures built from them, and
//! `GET /api/v1/tasks/{task}/operations`.

use crate::harness::{count, migrated_pool, spawn_app};
use crate::review_support::add_users;
use app::domain::Role;
use app::services::operations::task_operations;
use app::views::operations::Operations;
use chrono::{DateTime, TimeDelta, Utc};
use cojudge::operations::sampler::{tick, SamplerSettings};
use sqlx::PgPool;
use std::time::Duration;

const SETTINGS: SamplerSettings = SamplerSettings {
    interval: Duration::from_secs(60),
    retention: Duration::from_secs(90 * 86_400),
};

/// A moment well inside an hour, so "an hour ago" is in the previous hour.
fn now() -> DateTime<Utc> {
    "2026-11-26T10:20:00Z".parse().unwrap()
}

async fn tag_task(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT id FROM tasks WHERE name = 'tag'")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// `count` tag items in `state`; their ids.
async fn items(pool: &PgPool, state: &str, count: usize) -> Vec<i64> {
    let task = tag_task(pool).await;
    let mut ids = Vec::new();
    for _ in 0..count {
        let external = format!("ops-{}", uuid::Uuid::new_v4());
        ids.push(
            sqlx::query_scalar(
                "INSERT INTO items (task_id, external_id, context, output, content_hash, state)
                 VALUES ($1, $2, '{}', '{}', sha256($2::bytea), $3) RETURNING id",
            )
            .bind(task)
            .bind(&external)
            .bind(state)
            .fetch_one(pool)
            .await
            .unwrap(),
        );
    }
    ids
}

async fn judge_config(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO judge_configs (task_id, model, prompt_version, rubric_version, mode, confidence_method)
         SELECT id, 'judge-ops', 'p1', current_rubric, 'single', 'logprobs' FROM tasks WHERE name = 'tag'
         RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A judgment of `item` at `at`: an answer costing 100 + 20 tokens and $0.01, or an error.
async fn judgment(
    pool: &PgPool,
    item: i64,
    config: i64,
    source: &str,
    error: bool,
    at: DateTime<Utc>,
) {
    sqlx::query(
        "INSERT INTO judgments (item_id, judge_config_id, source, criteria, qualified, grade, confidence,
                                error, prompt_tokens, completion_tokens, cost_usd, created_at)
         VALUES ($1, $2, $3, CASE WHEN $4 THEN NULL ELSE '{}'::jsonb END,
                 CASE WHEN $4 THEN NULL ELSE true END, NULL, NULL,
                 CASE WHEN $4 THEN 'timeout' END, 100, 20, 0.01, $5)",
    )
    .bind(item)
    .bind(config)
    .bind(source)
    .bind(error)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
}

/// An answer of `user` on `item` at `at`.
async fn annotation(
    pool: &PgPool,
    item: i64,
    user: i64,
    purpose: &str,
    skipped: bool,
    retracted: bool,
    at: DateTime<Utc>,
) {
    sqlx::query(
        "INSERT INTO annotations (item_id, user_id, client_id, rubric_version, purpose, criteria, qualified,
                                  skipped, created_at, retracted_at)
         VALUES ($1, $2, gen_random_uuid(), 1, $3, CASE WHEN $4 THEN NULL ELSE '{}'::jsonb END,
                 CASE WHEN $4 THEN NULL ELSE true END, $4, $5, CASE WHEN $6 THEN $5 END)",
    )
    .bind(item)
    .bind(user)
    .bind(purpose)
    .bind(skipped)
    .bind(at)
    .bind(retracted)
    .execute(pool)
    .await
    .unwrap();
}

async fn verdict(pool: &PgPool, item: i64, provenance: &str, by: i64, at: DateTime<Utc>) {
    let judgment: Option<i64> =
        sqlx::query_scalar("SELECT min(id) FROM judgments WHERE item_id = $1")
            .bind(item)
            .fetch_one(pool)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO verdicts (item_id, criteria, qualified, grade, provenance, judgment_id, decided_by,
                               rubric_version, created_at)
         VALUES ($1, '{}', true, 'S', $2, $3, $4, 1, $5)",
    )
    .bind(item)
    .bind(provenance)
    .bind(judgment)
    .bind((provenance != "judge").then_some(by))
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
}

/// A known day of work on the tag task, two and one hours before `now`:
/// - 2 h ago: 4 answers and 1 error of the judge, 1 candidate judgment; Ann answers 3 items,
///   skips one and undoes one answer; the judge decides 3 items.
/// - 1 h ago: 2 answers of the judge; Bo answers 2 items and adjudicates 1; people decide 3.
///
/// And items waiting: 3 queued, 1 being judged, 2 awaiting review, 1 adjudication, 1 failed.
async fn seed_a_day(pool: &PgPool, now: DateTime<Utc>) -> (i64, i64) {
    let people = add_users(pool, "ops", 2, "annotator").await;
    let (ann, bo) = (people[0], people[1]);
    sqlx::query("UPDATE users SET display_name = CASE id WHEN $1 THEN 'Ann' ELSE 'Bo' END WHERE id IN ($1, $2)")
        .bind(ann)
        .bind(bo)
        .execute(pool)
        .await
        .unwrap();
    let config = judge_config(pool).await;
    let earlier = now - TimeDelta::hours(2);
    let later = now - TimeDelta::hours(1);
    let done = items(pool, "done", 12).await;
    for item in &done[0..4] {
        judgment(pool, *item, config, "online", false, earlier).await;
    }
    judgment(pool, done[4], config, "online", true, earlier).await;
    judgment(pool, done[5], config, "evaluation", false, earlier).await;
    for item in &done[6..8] {
        judgment(pool, *item, config, "online", false, later).await;
    }
    for item in &done[0..3] {
        annotation(pool, *item, ann, "annotate", false, false, earlier).await;
    }
    annotation(pool, done[3], ann, "annotate", true, false, earlier).await;
    annotation(pool, done[4], ann, "annotate", false, true, earlier).await;
    for item in &done[6..8] {
        annotation(pool, *item, bo, "annotate", false, false, later).await;
    }
    annotation(pool, done[8], bo, "adjudicate", false, false, later).await;
    for item in &done[0..3] {
        verdict(pool, *item, "judge", bo, earlier).await;
    }
    verdict(pool, done[6], "human", bo, later).await;
    verdict(pool, done[7], "human", bo, later).await;
    verdict(pool, done[8], "adjudicated", bo, later).await;
    items(pool, "queued", 3).await;
    items(pool, "judging", 1).await;
    items(pool, "human_review", 2).await;
    items(pool, "adjudication", 1).await;
    items(pool, "failed", 1).await;
    (ann, bo)
}

async fn figures(pool: &PgPool, with_annotators: bool) -> Operations {
    task_operations(pool, "tag", 1, now(), with_annotators)
        .await
        .unwrap()
}

#[tokio::test]
async fn dashboards_count_each_hours_work_and_the_queue_in_each_state() {
    let (pool, _) = migrated_pool().await;
    seed_a_day(&pool, now()).await;
    let tasks = count(&pool, "tasks").await;
    // Half an hour earlier the queue held one more queued item.
    let spare = items(&pool, "queued", 1).await[0];
    let first = tick(&pool, &SETTINGS, now() - TimeDelta::minutes(30))
        .await
        .unwrap();
    assert_eq!(i64::from(first.samples_written), tasks * 5);
    sqlx::query("UPDATE items SET state = 'done' WHERE id = $1")
        .bind(spare)
        .execute(&pool)
        .await
        .unwrap();
    tick(&pool, &SETTINGS, now()).await.unwrap();
    let again = tick(&pool, &SETTINGS, now() + TimeDelta::seconds(30))
        .await
        .unwrap();
    assert_eq!(again.samples_written, 0, "the interval was sampled already");

    let ops = figures(&pool, true).await;
    assert_eq!(ops.hours.len(), 24);
    assert_eq!(ops.queue_bin_minutes, 10);
    let depth: Vec<(u64, u64, u64, u64, u64)> = ops
        .queue
        .iter()
        .map(|p| {
            (
                p.queued,
                p.judging,
                p.human_review,
                p.adjudication,
                p.failed,
            )
        })
        .collect();
    assert_eq!(depth, [(4, 1, 2, 1, 1), (3, 1, 2, 1, 1)]);
    assert_eq!(ops.last_sample_at, Some(now()));

    let earlier = &ops.hours[21];
    assert_eq!(
        earlier.hour,
        "2026-11-26T08:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(
        (earlier.judged, earlier.judge_errors, earlier.evaluated),
        (4, 1, 1)
    );
    assert_eq!(
        (earlier.prompt_tokens, earlier.completion_tokens),
        (600, 120)
    );
    assert!((earlier.cost_usd - 0.06).abs() < 1e-9);
    assert_eq!(
        (earlier.answers, earlier.skips, earlier.adjudications),
        (3, 1, 0)
    );
    assert_eq!(
        (
            earlier.verdicts_judge,
            earlier.verdicts_human,
            earlier.verdicts_adjudicated
        ),
        (3, 0, 0)
    );
    let later = &ops.hours[22];
    assert_eq!(
        (later.judged, later.answers, later.adjudications),
        (2, 2, 1)
    );
    assert_eq!((later.verdicts_human, later.verdicts_adjudicated), (2, 1));
    let quiet: u64 = ops
        .hours
        .iter()
        .enumerate()
        .filter(|(i, _)| ![21, 22].contains(i))
        .map(|(_, h)| h.judged + h.answers + h.verdicts_judge)
        .sum();
    assert_eq!(quiet, 0);

    let today = ops.days_totals.last().unwrap();
    assert_eq!(today.day.to_string(), "2026-11-26");
    assert_eq!(today.totals.judged, 6);
    assert_eq!(today.totals.prompt_tokens, 800);
    assert_eq!(today.human_share, Some(0.5));

    let people = ops.annotators.unwrap();
    let summary: Vec<(&str, u64, u64, u64, u64)> = people
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.answers,
                p.skips,
                p.adjudications,
                p.active_hours,
            )
        })
        .collect();
    assert_eq!(summary, [("Ann", 3, 1, 0, 1), ("Bo", 2, 0, 1, 1)]);
    assert_eq!(people[1].per_day, [0, 3]);
    assert!(figures(&pool, false).await.annotators.is_none());
}

#[tokio::test]
async fn work_recorded_later_in_a_rolled_up_hour_is_counted_at_the_next_tick() {
    let (pool, _) = migrated_pool().await;
    seed_a_day(&pool, now()).await;
    tick(&pool, &SETTINGS, now()).await.unwrap();
    let bo: i64 = sqlx::query_scalar("SELECT id FROM users WHERE display_name = 'Bo'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let item = items(&pool, "done", 1).await[0];
    annotation(
        &pool,
        item,
        bo,
        "annotate",
        false,
        false,
        now() - TimeDelta::hours(1),
    )
    .await;
    assert_eq!(figures(&pool, true).await.hours[22].answers, 2);
    tick(&pool, &SETTINGS, now() + TimeDelta::minutes(1))
        .await
        .unwrap();
    assert_eq!(figures(&pool, true).await.hours[22].answers, 3);
}

#[tokio::test]
async fn many_processes_sampling_at_once_write_each_interval_once() {
    let (pool, _) = migrated_pool().await;
    seed_a_day(&pool, now()).await;
    let ticks = (0..8).map(|n| {
        let pool = pool.clone();
        // all within the same minute
        let at = now() + TimeDelta::seconds(n * 5);
        tokio::spawn(async move { tick(&pool, &SETTINGS, at).await.unwrap() })
    });
    let written: i32 = futures_util::future::join_all(ticks)
        .await
        .into_iter()
        .map(|t| t.unwrap().samples_written)
        .sum();
    let tasks = count(&pool, "tasks").await;
    assert_eq!(i64::from(written), tasks * 5);
    let rows = count(&pool, "queue_samples").await;
    assert_eq!(rows, tasks * 5);
    let ops = figures(&pool, false).await;
    assert_eq!(ops.hours[21].judged, 4, "concurrent roll-ups agree");
    assert_eq!(ops.hours[22].answers, 2);
}

#[tokio::test]
async fn each_queue_bin_shows_its_last_sample() {
    let (pool, _) = migrated_pool().await;
    let waiting = items(&pool, "queued", 3).await;
    // 10:12 and 10:15 fall in the same 10-minute bin of the day's chart.
    tick(&pool, &SETTINGS, now() - TimeDelta::minutes(8))
        .await
        .unwrap();
    sqlx::query("UPDATE items SET state = 'human_review' WHERE id = $1")
        .bind(waiting[0])
        .execute(&pool)
        .await
        .unwrap();
    tick(&pool, &SETTINGS, now() - TimeDelta::minutes(5))
        .await
        .unwrap();
    let ops = figures(&pool, false).await;
    let depth: Vec<(u64, u64)> = ops
        .queue
        .iter()
        .map(|p| (p.queued, p.human_review))
        .collect();
    assert_eq!(depth, [(2, 1)]);
    assert_eq!(ops.queue[0].at, now() - TimeDelta::minutes(10));
}

#[tokio::test]
async fn queue_samples_older_than_the_retention_are_dropped() {
    let (pool, _) = migrated_pool().await;
    items(&pool, "queued", 2).await;
    tick(&pool, &SETTINGS, now() - TimeDelta::days(91))
        .await
        .unwrap();
    tick(&pool, &SETTINGS, now() - TimeDelta::days(89))
        .await
        .unwrap();
    let report = tick(&pool, &SETTINGS, now()).await.unwrap();
    assert!(report.samples_deleted > 0);
    let oldest: DateTime<Utc> = sqlx::query_scalar("SELECT min(sampled_at) FROM queue_samples")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(oldest, now() - TimeDelta::days(89));
}

#[tokio::test]
async fn the_operations_page_data_is_refused_to_annotators() {
    let app = spawn_app().await;
    let call = |client: reqwest::Client| {
        let url = format!("{}/api/operations/task", app.address);
        async move {
            client
                .post(url)
                .header("Accept", "application/json")
                .json(&serde_json::json!({"task": "tag", "days": 1}))
                .send()
                .await
                .unwrap()
        }
    };
    let annotator = app.signed_in(Role::Annotator).await.client;
    assert_eq!(call(annotator).await.status(), 403);
    let admin = app.signed_in(Role::Admin).await.client;
    let response = call(admin).await;
    assert_eq!(response.status(), 200);
    let figures: Operations = response.json().await.unwrap();
    assert_eq!(figures.hours.len(), 24);
    assert_eq!(figures.annotators, Some(Vec::new()));
}

#[tokio::test]
async fn the_operations_api_shows_annotators_to_admins_only() {
    let app = spawn_app().await;
    seed_a_day(&app.pool, Utc::now()).await;
    tick(&app.pool, &SETTINGS, Utc::now()).await.unwrap();
    let client = reqwest::Client::new();
    let get = |token: Option<String>, query: &'static str| {
        let mut request = client.get(format!(
            "{}/api/v1/tasks/tag/operations{query}",
            app.address
        ));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let admin = app.api_token("ops-admin", Role::Admin).await;
    let trainer = app.api_token("ops-trainer", Role::Trainer).await;

    let response = get(Some(admin.clone()), "?days=30").await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["days"], 30);
    assert_eq!(body["hours"].as_array().unwrap().len(), 30 * 24);
    assert_eq!(body["annotators"].as_array().unwrap().len(), 2);
    assert_eq!(body["queue"].as_array().unwrap().len(), 1);
    assert_eq!(body["queue"][0]["queued"], 3);

    let body: serde_json::Value = get(Some(trainer), "").await.unwrap().json().await.unwrap();
    assert_eq!(body["days"], 7);
    assert!(body["annotators"].is_null());

    assert_eq!(get(None, "").await.unwrap().status(), 401);
    let bad = get(Some(admin.clone()), "?days=5").await.unwrap();
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_parameter");
    let missing = client
        .get(format!("{}/api/v1/tasks/nope/operations", app.address))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
