//! `cojudge judge rerun`: re-queueing judged items for a new judge configuration, keeping what
//! humans have annotated.

use crate::harness::{cojudge, migrated_pool, stderr, stdout};
use crate::judge_support::*;
use fake_openai::FakeOpenAi;

#[tokio::test]
async fn a_rerun_rejudges_under_the_new_configuration_and_keeps_human_work() {
    let (pool, url) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    fake.set_answerer(|_| all_tag("pass", 0.99));
    queue_items(&pool, "tag", "re", 10, |_| false).await;
    run_until_drained(&pool, settings(Some(fake.base_url()))).await;

    // A human annotates one item.
    let annotator: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, role, password_hash)
         VALUES ('ann@example.org', 'Ann', 'annotator', 'x') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO annotations (item_id, user_id, client_id, rubric_version, purpose, criteria, qualified, grade)
         SELECT id, $1, gen_random_uuid(), 1, 'annotate', '{\"relevance\": \"pass\"}', true, 'S'
         FROM items WHERE external_id = 're-0'",
    )
    .bind(annotator)
    .execute(&pool)
    .await
    .unwrap();

    let dry = cojudge(&url, &["judge", "rerun", "--task", "tag", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains("9 items of `tag` would be queued"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(pending(&pool).await, 0, "a dry run changes nothing");

    let rerun = cojudge(&url, &["judge", "rerun", "--task", "tag"]);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(
        stdout(&rerun)
            .contains("9 items of `tag` queued for the judge; 1 human-reviewed items kept"),
        "{}",
        stdout(&rerun)
    );
    assert_eq!(pending(&pool).await, 9);

    let mut new_judge = settings(Some(fake.base_url()));
    new_judge.default_model = "judge-test-model-v2".into();
    run_until_drained(&pool, new_judge).await;

    let per_model: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.model, count(*) FROM judgments j JOIN judge_configs c ON c.id = j.judge_config_id
         GROUP BY c.model ORDER BY c.model",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        per_model,
        vec![
            ("judge-test-model".to_string(), 10),
            ("judge-test-model-v2".to_string(), 9)
        ]
    );
    // Every judge verdict now comes from the new configuration, but the annotated item's.
    let stale_verdicts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM verdicts v JOIN judgments j ON j.id = v.judgment_id
         JOIN judge_configs c ON c.id = j.judge_config_id WHERE c.model = 'judge-test-model'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(stale_verdicts, 1);
    let audited: (String,) =
        sqlx::query_as("SELECT action FROM audit_log WHERE action = 'items.rejudge_queued'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited.0, "items.rejudge_queued");

    let unknown = cojudge(&url, &["judge", "rerun", "--task", "nope"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("there is no task called `nope`"),
        "{}",
        stderr(&unknown)
    );
}
