//! The judge worker against a fake OpenAI-compatible server over real HTTP: structured output,
//! logprob and self-consistency confidence, per-criterion mode, routing and audit, retries on
//! 429 / 500 / timeouts, unreadable answers, endpoint failure, and no endpoint at all.

use crate::harness::{count, count_where, migrated_pool};
use crate::judge_support::*;
use app::domain::routing::audit_draw;
use fake_openai::{FakeOpenAi, Reply};
use serde_json::Value;
use std::time::{Duration, Instant};

#[tokio::test]
async fn confident_judgments_are_final_and_record_their_provenance() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|_| all_tag("pass", 0.97));
    queue_items(&pool, "tag", "t", 30, |_| false).await;

    let report = run_until_drained(&pool, settings(Some(fake.base_url()))).await;
    assert_eq!(report.judged, 30);

    // The request asked for structured output built from the rubric, with logprobs.
    let request = &fake.requests()[0];
    assert_eq!(request["model"], "judge-test-model");
    assert_eq!(request["response_format"]["type"], "json_schema");
    let schema = &request["response_format"]["json_schema"]["schema"];
    assert_eq!(
        schema["properties"]["criteria"]["required"],
        serde_json::json!(TAG_CRITERIA)
    );
    assert_eq!(request["logprobs"], true);
    assert!(request["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("Item tag prediction"));

    let (model, prompt_version, mode, method): (String, String, String, String) = sqlx::query_as(
        "SELECT model, prompt_version, mode, confidence_method FROM judge_configs WHERE mode <> 'imported'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(model, "judge-test-model");
    assert!(prompt_version.starts_with('p') && prompt_version.len() == 17);
    assert_eq!((mode.as_str(), method.as_str()), ("single", "logprobs"));

    let (criteria, confidence, qualified, grade, tokens, cost): (
        Value,
        f64,
        bool,
        String,
        i32,
        f64,
    ) = sqlx::query_as(
        "SELECT criteria, confidence, qualified, grade, prompt_tokens, cost_usd::float8
             FROM judgments ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!((confidence - 0.97).abs() < 1e-6, "{confidence}");
    assert_eq!(criteria["validity"]["label"], "pass");
    assert!(!criteria["validity"]["rationale"]
        .as_str()
        .unwrap()
        .is_empty());
    assert!((criteria["relevance"]["confidence"].as_f64().unwrap() - 0.97).abs() < 1e-6);
    assert!(qualified);
    assert_eq!(grade, "S");
    assert!(tokens > 0 && cost > 0.0);

    // Auto-accepted items carry the judge's verdict; audited ones wait for humans.
    let expected_audits = (0..30)
        .filter(|n| audit_draw("tag", &format!("t-{n}")) < 0.05)
        .count() as i64;
    let mut expected = vec![("confident".to_string(), 30 - expected_audits)];
    if expected_audits > 0 {
        expected.insert(0, ("audit".to_string(), expected_audits));
    }
    assert_eq!(reasons(&pool).await, expected);
    let judge_verdicts = count_where(
        &pool,
        "verdicts",
        "provenance = 'judge' AND judgment_id IS NOT NULL",
    )
    .await;
    assert_eq!(judge_verdicts, 30 - expected_audits);
}

#[tokio::test]
async fn the_audit_sample_matches_the_reproducible_draw_and_golden_items_always_go_to_humans() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|_| all_tag("pass", 0.99));
    queue_items(&pool, "tag", "a", 600, |n| n % 50 == 0).await;

    run_until_drained(&pool, settings(Some(fake.base_url()))).await;

    let draws: Vec<f64> = (0..600)
        .filter(|n| n % 50 != 0)
        .map(|n| audit_draw("tag", &format!("a-{n}")))
        .collect();
    let audits = draws.iter().filter(|d| **d < 0.05).count() as i64;
    assert_eq!(
        reasons(&pool).await,
        vec![
            ("audit".to_string(), audits),
            ("confident".to_string(), 588 - audits),
            ("golden".to_string(), 12),
        ]
    );
    // About 5% of the rest: a binomial(588, 0.05) lies in [12, 48] with overwhelming odds.
    assert!((12..=48).contains(&audits), "{audits} audits");
    // Audited and confident items alike were sent to people with the audit rate's probability;
    // golden items are a stratum of their own.
    let annotations: Vec<(String, i32, Option<f64>)> = sqlx::query_as(
        "SELECT DISTINCT reason, annotations_required, inclusion_probability
           FROM routing_decisions ORDER BY reason",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        annotations,
        vec![
            ("audit".to_string(), 2, Some(0.05)),
            ("confident".to_string(), 0, Some(0.05)),
            ("golden".to_string(), 2, None)
        ]
    );
}

#[tokio::test]
async fn an_unsure_criterion_sends_the_item_to_humans_and_a_failing_one_disqualifies() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|request| {
        let unsure = request.user().contains("tag number 1\"");
        Reply::judgment(&[
            ("relevance", "pass", 0.99),
            ("consistency", "pass", 0.99),
            (
                "specificity",
                if unsure { "fail" } else { "pass" },
                if unsure { 0.55 } else { 0.99 },
            ),
            ("validity", "pass", 0.99),
        ])
    });
    queue_items(&pool, "tag", "u", 2, |_| false).await;

    run_until_drained(&pool, settings(Some(fake.base_url()))).await;

    let (reason, probability, qualified, grade, confidence): (String, f64, bool, String, f64) = sqlx::query_as(
        "SELECT r.reason, r.inclusion_probability, j.qualified, j.grade, j.confidence FROM items i
         JOIN routing_decisions r ON r.item_id = i.id JOIN judgments j ON j.id = r.judgment_id
         WHERE i.external_id = 'u-1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(reason, "low_confidence");
    assert_eq!(probability, 1.0, "every unsure item is reviewed");
    assert!(!qualified);
    assert_eq!(grade, "B");
    assert!((confidence - 0.55).abs() < 1e-6);
    let state: String = sqlx::query_scalar("SELECT state FROM items WHERE external_id = 'u-1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(state, "human_review");
}

#[tokio::test]
async fn self_consistency_takes_the_majority_of_samples_as_confidence() {
    let (pool, _) = migrated_pool().await;
    set_judge_setting(&pool, "tag", "confidence", "self_consistency".into()).await;
    set_judge_setting(&pool, "tag", "samples", 5.into()).await;
    let fake = FakeOpenAi::start().await;
    // Two of every five samples disagree on relevance; one is unreadable.
    fake.set_answerer(|request| match request.index % 5 {
        0 | 1 => all_tag("pass", 1.0),
        2 => Reply::Content("no idea".into()),
        _ => Reply::judgment(&[
            ("relevance", "fail", 1.0),
            ("consistency", "pass", 1.0),
            ("specificity", "pass", 1.0),
            ("validity", "pass", 1.0),
        ]),
    });
    queue_items(&pool, "tag", "s", 1, |_| false).await;

    run_until_drained(&pool, settings(Some(fake.base_url()))).await;

    assert_eq!(fake.request_count(), 5);
    assert!(fake
        .requests()
        .iter()
        .all(|r| r["temperature"].as_f64().unwrap() > 0.0 && r.get("logprobs").is_none()));
    let criteria: Value = sqlx::query_scalar("SELECT criteria FROM judgments")
        .fetch_one(&pool)
        .await
        .unwrap();
    // relevance: pass 2, fail 2, unreadable 1 -> tie goes to the first seen, share 2/5.
    assert!((criteria["relevance"]["confidence"].as_f64().unwrap() - 0.4).abs() < 1e-9);
    assert!((criteria["validity"]["confidence"].as_f64().unwrap() - 0.8).abs() < 1e-9);
    let method: String =
        sqlx::query_scalar("SELECT confidence_method FROM judge_configs WHERE mode = 'single'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(method, "self_consistency");
    assert_eq!(
        reasons(&pool).await,
        vec![("low_confidence".to_string(), 1)]
    );
}

#[tokio::test]
async fn per_criterion_mode_asks_once_per_criterion_and_merges_the_answers() {
    let (pool, _) = migrated_pool().await;
    set_judge_setting(&pool, "tag", "mode", "per_criterion".into()).await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|request| {
        let criteria = request.criteria();
        assert_eq!(criteria.len(), 1, "one criterion per call");
        let name = criteria[0].0.clone();
        let label = if name == "validity" { "fail" } else { "pass" };
        Reply::Judgment(vec![(name, label.to_string(), 0.9)])
    });
    queue_items(&pool, "tag", "p", 3, |_| false).await;

    run_until_drained(&pool, settings(Some(fake.base_url()))).await;

    assert_eq!(fake.request_count(), 12);
    let rows: Vec<(Value, bool, String)> =
        sqlx::query_as("SELECT criteria, qualified, grade FROM judgments")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 3);
    for (criteria, qualified, grade) in rows {
        assert_eq!(criteria.as_object().unwrap().len(), 4);
        assert_eq!(criteria["validity"]["label"], "fail");
        assert_eq!(criteria["relevance"]["label"], "pass");
        assert!(!qualified);
        assert_eq!(grade, "B");
    }
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_honouring_retry_after() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|_| all_tag("pass", 0.95));
    fake.push(Reply::Status {
        code: 429,
        retry_after: Some(1),
    });
    fake.push(Reply::Status {
        code: 500,
        retry_after: None,
    });
    queue_items(&pool, "tag", "r", 1, |_| false).await;

    let started = Instant::now();
    run_until_drained(&pool, settings(Some(fake.base_url()))).await;

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(fake.request_count(), 3);
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM judgments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn a_hanging_endpoint_times_out_and_the_call_is_retried() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|_| all_tag("pass", 0.95));
    fake.push(Reply::Hang);
    queue_items(&pool, "tag", "h", 1, |_| false).await;
    let mut settings = settings(Some(fake.base_url()));
    settings.timeout = Duration::from_millis(500);

    run_until_drained(&pool, settings).await;

    assert_eq!(fake.request_count(), 2);
    assert_eq!(states(&pool).await.len(), 1);
    let judged = count_where(&pool, "judgments", "error IS NULL").await;
    assert_eq!(judged, 1);
}

#[tokio::test]
async fn unreadable_answers_are_asked_again_then_routed_to_humans_as_judge_errors() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|_| Reply::Content("<html>I am not JSON</html>".into()));
    queue_items(&pool, "tag", "g", 1, |_| false).await;

    run_until_drained(&pool, settings(Some(fake.base_url()))).await;

    assert_eq!(
        fake.request_count(),
        3,
        "the first answer and two more tries"
    );
    let (error, criteria): (Option<String>, Option<Value>) =
        sqlx::query_as("SELECT error, criteria FROM judgments")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(error.as_deref(), Some("the answer holds no JSON object"));
    assert!(criteria.is_none());
    assert_eq!(reasons(&pool).await, vec![("judge_error".to_string(), 1)]);
    assert_eq!(states(&pool).await, vec![("human_review".to_string(), 1)]);
}

#[tokio::test]
async fn an_endpoint_that_keeps_failing_leaves_the_item_failed_after_its_attempts() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|_| Reply::Status {
        code: 503,
        retry_after: None,
    });
    queue_items(&pool, "tag", "f", 1, |_| false).await;
    let mut settings = settings(Some(fake.base_url()));
    settings.retry.max_retries = 1;

    let report = run_until_drained(&pool, settings).await;

    assert_eq!((report.retried_later, report.failed), (2, 1));
    assert_eq!(fake.request_count(), 6, "3 claims of 2 attempts each");
    let (state, error): (String, String) = sqlx::query_as("SELECT state, judge_error FROM items")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(state, "failed");
    assert!(error.contains("503"), "{error}");
    let judgments = count(&pool, "judgments").await;
    assert_eq!(judgments, 0);
}

#[tokio::test]
async fn endpoints_without_structured_output_are_answered_from_json_in_text() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|request| {
        if request.has_schema() {
            Reply::Status {
                code: 400,
                retry_after: None,
            }
        } else {
            Reply::Content(
                "Sure, here it is:\n```json\n{\"criteria\": {\"relevance\": {\"rationale\": \"ok\", \"label\": \"pass\"}, \
                 \"consistency\": {\"rationale\": \"ok\", \"label\": \"pass\"}, \"specificity\": {\"rationale\": \"ok\", \
                 \"label\": \"pass\"}, \"validity\": {\"rationale\": \"ok\", \"label\": \"fail\"}}}\n```"
                    .into(),
            )
        }
    });
    queue_items(&pool, "tag", "x", 2, |_| false).await;

    run_until_drained(&pool, settings(Some(fake.base_url()))).await;

    let labels: Vec<Value> =
        sqlx::query_scalar("SELECT criteria -> 'validity' -> 'label' FROM judgments")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(labels, vec![Value::from("fail"), Value::from("fail")]);
}

#[tokio::test]
async fn without_an_endpoint_every_item_goes_to_humans_as_no_judge() {
    let (pool, _) = migrated_pool().await;
    queue_items(&pool, "tag", "n", 25, |_| false).await;

    let report = run_until_drained(&pool, settings(None)).await;

    assert_eq!(report.sent_to_humans_unjudged, 25);
    assert_eq!(reasons(&pool).await, vec![("no_judge".to_string(), 25)]);
    assert_eq!(states(&pool).await, vec![("human_review".to_string(), 25)]);
    assert_eq!(
        count_where(&pool, "routing_decisions", "inclusion_probability = 1").await,
        25,
        "items nobody judged are all reviewed"
    );
}

#[tokio::test]
async fn a_failed_item_says_why_without_revealing_the_api_key() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|_| Reply::Status {
        code: 401,
        retry_after: None,
    });
    queue_items(&pool, "tag", "k", 1, |_| false).await;
    let mut settings = settings(Some(fake.base_url()));
    settings.max_attempts = 1;

    run_until_drained(&pool, settings).await;

    let error: String = sqlx::query_scalar("SELECT judge_error FROM items")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(error.contains("401"));
    assert!(!error.contains("sk-test-secret"));
}
