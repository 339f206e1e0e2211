//! Items judged offline arrive with their judgment and go straight to routing.

use crate::harness::{count, migrated_pool};
use crate::import::tag_items;
use app::db::audit::Actor;
use cojudge::ingest::{import, ImportOptions, Source};
use serde_json::{json, Value};
use std::sync::Arc;

fn judged(mut item: Value, confidence: f64, labels: &[(&str, &str)]) -> Value {
    let labels: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(c, l)| (c.to_string(), json!(l)))
        .collect();
    let confidences: serde_json::Map<String, Value> = labels
        .keys()
        .map(|c| (c.clone(), json!(confidence)))
        .collect();
    item["judgment"] = json!({"labels": labels, "confidence": confidences, "model": "qwen3-judge-sft", "prompt_version": "v3",
                               "rationale": {"relevance": "fits the interest"}});
    item
}

const ALL_PASS: [(&str, &str); 4] = [
    ("relevance", "pass"),
    ("consistency", "pass"),
    ("specificity", "pass"),
    ("validity", "pass"),
];

async fn run(pool: &sqlx::PgPool, items: &[Value]) -> cojudge::ingest::ImportReport {
    let body = crate::import::jsonl(items);
    let source = Source::from_reader(
        "test",
        cojudge::ingest::Format::Jsonl,
        std::io::Cursor::new(body.into_bytes()),
        None,
        Arc::default(),
        cojudge::ingest::source::InputLimits::default(),
    )
    .unwrap();
    import(
        pool,
        vec![source],
        ImportOptions::new("tag", Actor::Other("test")),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_confident_imported_judgment_becomes_the_final_verdict_with_its_provenance() {
    let (pool, _) = migrated_pool().await;
    let items = tag_items(40, 11);
    // Pick an item the audit draw does not select (draws are fixed per external id).
    let item = items
        .into_iter()
        .map(|i| judged(i, 0.97, &ALL_PASS))
        .find(|i| {
            app::domain::routing::audit_draw("tag", i["external_id"].as_str().unwrap()) >= 0.05
        });
    let report = run(&pool, &[item.unwrap()]).await;

    assert_eq!(
        (
            report.auto_accepted,
            report.routed_to_humans,
            report.queued_for_judge
        ),
        (1, 0, 0)
    );
    let (provenance, qualified, grade, model, prompt, source): (String, bool, String, String, String, String) = sqlx::query_as(
        "SELECT v.provenance, v.qualified, v.grade, c.model, c.prompt_version, j.source
         FROM verdicts v JOIN judgments j ON j.id = v.judgment_id JOIN judge_configs c ON c.id = j.judge_config_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (provenance.as_str(), qualified, grade.as_str()),
        ("judge", true, "S")
    );
    assert_eq!(
        (model.as_str(), prompt.as_str(), source.as_str()),
        ("qwen3-judge-sft", "v3", "imported")
    );
    let (state, route, reason): (String, String, String) = sqlx::query_as(
        "SELECT i.state, r.route, r.reason FROM items i JOIN routing_decisions r ON r.item_id = i.id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (state.as_str(), route.as_str(), reason.as_str()),
        ("done", "auto", "confident")
    );
}

#[tokio::test]
async fn unsure_and_golden_imported_items_go_to_humans_with_their_reason() {
    let (pool, _) = migrated_pool().await;
    let mut items = tag_items(2, 12);
    items[0] = judged(items[0].clone(), 0.55, &ALL_PASS);
    items[1] = judged(items[1].clone(), 0.99, &ALL_PASS);
    items[1]["golden"] = json!({"relevance": "pass", "consistency": "fail", "specificity": "pass", "validity": "pass"});

    let report = run(&pool, &items).await;

    assert_eq!(report.routed_to_humans, 2);
    let reasons: Vec<(String, String, i32, Option<f64>)> = sqlx::query_as(
        "SELECT i.state, r.reason, r.annotations_required, r.inclusion_probability
           FROM items i JOIN routing_decisions r ON r.item_id = i.id ORDER BY i.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        reasons,
        [
            ("human_review".into(), "low_confidence".into(), 1, Some(1.0)),
            ("human_review".into(), "golden".into(), 2, None)
        ]
    );
    assert_eq!(count(&pool, "verdicts").await, 0);
}

#[tokio::test]
async fn an_imported_judgment_with_a_label_off_the_scale_is_refused_with_its_path() {
    let (pool, _) = migrated_pool().await;
    let item = judged(
        tag_items(1, 13).remove(0),
        0.9,
        &[
            ("relevance", "maybe"),
            ("consistency", "pass"),
            ("specificity", "pass"),
            ("validity", "pass"),
        ],
    );

    let report = run(&pool, &[item]).await;

    assert!(!report.committed);
    assert_eq!(report.errors[0].field, "judgment.labels.relevance");
    assert!(report.errors[0]
        .message
        .contains("expected one of pass, fail"));
}
