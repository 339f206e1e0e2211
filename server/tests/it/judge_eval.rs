//! `cojudge judge eval`: a candidate judge tried on the reviewed audit items over real HTTP
//! against the fake endpoint, compared with the current judge, and promoted.

use crate::harness::{cojudge, count, count_where, migrated_pool, stderr, stdout};
use crate::judge_support::*;
use crate::review_support::{add_users, answer_as, claim_as};
use app::db::queue::review::{self};
use app::db::task_settings::{promote_judge, VersionError};
use app::domain::ReviewPurpose;
use app::views::metrics::{MetricsQuery, Sample};
use cojudge::judge::assess::Assessor;
use cojudge::judge::evaluate::{evaluate, Candidate, EvalSample};

const SAMPLE: EvalSample = EvalSample {
    limit: 100,
    seed: 0,
};
use fake_openai::{FakeOpenAi, Reply};
use sqlx::PgPool;
use std::time::Duration;

/// Six tag items judged `pass` (confidently) by the task's judge, all audited, on which humans
/// said pass four times and fail twice.
async fn reviewed_audit_items(pool: &PgPool, fake: &FakeOpenAi) {
    for (key, value) in [("audit_rate", 1), ("annotations_per_audit_item", 1)] {
        sqlx::query(
            "UPDATE rubrics r SET definition = jsonb_set(r.definition, ARRAY['routing', $1], to_jsonb($2::int))
             FROM tasks t WHERE t.id = r.task_id AND r.version = t.current_rubric AND t.name = 'tag'",
        )
        .bind(key)
        .bind(value)
        .execute(pool)
        .await
        .unwrap();
    }
    fake.set_answerer(|_| all_tag("pass", 0.97));
    queue_items(pool, "tag", "e", 6, |_| false).await;
    run_until_drained(pool, settings(Some(fake.base_url()))).await;
    let annotator = add_users(pool, "ann", 1, "annotator").await[0];
    for n in 0..6 {
        let slot = claim_as(
            pool,
            "tag",
            annotator,
            ReviewPurpose::Annotate,
            Duration::from_secs(600),
            &[],
        )
        .await
        .expect("every audited item waits for a person");
        let label = if n < 4 { "pass" } else { "fail" };
        review::submit(
            pool,
            &answer_as(slot.slot_id, annotator, ReviewPurpose::Annotate, label),
        )
        .await
        .unwrap();
    }
}

async fn accuracy(pool: &PgPool, config: i64) -> f64 {
    let query = MetricsQuery {
        sample: Sample::Unbiased,
        judge_config: Some(config),
        ..MetricsQuery::default()
    };
    let metrics = app::services::metrics::task_metrics(pool, "tag", &query)
        .await
        .unwrap();
    metrics.overall.accuracy.unwrap().value
}

#[tokio::test]
async fn a_candidate_is_compared_on_the_audited_items_without_touching_them_and_can_be_promoted() {
    let (pool, _) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    reviewed_audit_items(&pool, &fake).await;
    let routed_before = count(&pool, "routing_decisions").await;

    // The candidate fails everything: right on the two items humans failed.
    fake.set_answerer(|_| all_tag("fail", 0.9));
    let assessor = Assessor::connect(&settings(Some(fake.base_url())))
        .unwrap()
        .unwrap();
    let candidate = Candidate {
        model: Some("candidate-model".into()),
        ..Candidate::default()
    };
    let report = evaluate(&pool, &assessor, None, "tag", &candidate, SAMPLE, 4)
        .await
        .unwrap();
    assert_eq!((report.judged, report.errors), (6, 0));
    assert!(fake
        .requests()
        .iter()
        .any(|request| request["model"] == "candidate-model"));
    let baseline = report
        .baseline_config
        .expect("the task's judge judged these items");
    assert!((accuracy(&pool, baseline).await - 4.0 / 6.0).abs() < 1e-12);
    assert!((accuracy(&pool, report.candidate_config).await - 2.0 / 6.0).abs() < 1e-12);

    // The metrics page compares the two on exactly the same six items.
    let page = app::services::metrics::task_metrics(&pool, "tag", &MetricsQuery::default())
        .await
        .unwrap();
    let paired = page.evaluations[0]
        .paired
        .as_ref()
        .expect("a paired comparison");
    assert_eq!(page.evaluations[0].baseline_config, Some(baseline));
    assert_eq!(paired.comparison.items, 6);
    assert_eq!(
        (
            paired.comparison.outcomes.only_current,
            paired.comparison.outcomes.only_candidate
        ),
        (4, 2)
    );
    assert!((paired.comparison.p_value - 44.0 / 64.0).abs() < 1e-12);
    assert!(!paired.comparison.significant());
    assert_eq!(paired.current[0].pairs, 6);
    assert!((paired.candidate[0].accuracy.as_ref().unwrap().value - 2.0 / 6.0).abs() < 1e-12);
    assert_eq!(paired.current.len(), 1 + TAG_CRITERIA.len());

    // Nothing about the items changed: no routing, no verdict, states as they were.
    let routed_after = count(&pool, "routing_decisions").await;
    assert_eq!(routed_after, routed_before);
    let evaluation_judgments = count_where(&pool, "judgments", "source = 'evaluation'").await;
    assert_eq!(evaluation_judgments, 6);
    let human_verdicts = count_where(&pool, "verdicts", "provenance = 'human'").await;
    assert_eq!(human_verdicts, 6);

    // A second run asks nothing again.
    let again = evaluate(&pool, &assessor, None, "tag", &candidate, SAMPLE, 4)
        .await
        .unwrap();
    assert_eq!(
        (again.judged, again.candidate_config),
        (0, report.candidate_config)
    );

    // An admin promotes the candidate: the next rubric version judges with its model.
    let admin = add_users(&pool, "adm", 1, "admin").await[0];
    let stale = promote_judge(&pool, "tag", 0, report.evaluation_id, admin).await;
    assert!(matches!(stale, Err(VersionError::Stale { .. })));
    let current: i32 = sqlx::query_scalar("SELECT current_rubric FROM tasks WHERE name = 'tag'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let version = promote_judge(&pool, "tag", current, report.evaluation_id, admin)
        .await
        .unwrap();
    assert_eq!(version, current + 1);
    let model: String = sqlx::query_scalar(
        "SELECT r.definition #>> '{judge,model}' FROM rubrics r JOIN tasks t ON t.id = r.task_id
         WHERE t.name = 'tag' AND r.version = t.current_rubric",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(model, "candidate-model");
    let audited = count_where(
        &pool,
        "audit_log",
        "action = 'judge.promoted' AND target_id = 'tag'",
    )
    .await;
    assert_eq!(audited, 1);
    let promoted: bool =
        sqlx::query_scalar("SELECT promoted_at IS NOT NULL FROM judge_evaluations WHERE id = $1")
            .bind(report.evaluation_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(promoted);
}

// Multi-threaded: the CLI runs as a child process and waits for it while the fake endpoint,
// in this test's runtime, answers its calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_prints_table_9_for_the_current_judge_and_the_candidate() {
    let (pool, url) = migrated_pool().await;
    let fake = FakeOpenAi::start().await;
    reviewed_audit_items(&pool, &fake).await;
    // Per-criterion mode asks about one criterion per call; every answer is `fail`.
    fake.set_answerer(|request| {
        let asked = request.criteria();
        Reply::Judgment(
            asked
                .iter()
                .map(|c| (c.0.clone(), "fail".to_string(), 0.9))
                .collect(),
        )
    });
    let base_url = fake.base_url();
    let output = cojudge(
        &url,
        &[
            "judge",
            "eval",
            "--task",
            "tag",
            "--model",
            "candidate-model",
            "--mode",
            "per_criterion",
            "--openai-base-url",
            &base_url,
            "--judge-model",
            "judge-test-model",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    assert!(
        printed.contains("6 items judged by the candidate"),
        "{printed}"
    );
    let overall: Vec<&str> = printed
        .lines()
        .filter(|l| l.starts_with("overall"))
        .collect();
    assert_eq!(overall.len(), 2, "{printed}");
    assert!(
        overall[0].contains("current judge-test-model single") && overall[0].contains("0.6667"),
        "{printed}"
    );
    assert!(
        overall[1].contains("candidate candidate-model per_criterion")
            && overall[1].contains("0.3333"),
        "{printed}"
    );
    // On the same six items: right on four against two, six disagreements in all, which is
    // too few to call (exact McNemar: 2 · P(X ≤ 2 | 6, ½) = 44/64).
    assert!(printed.contains("same 6 reviewed items"), "{printed}");
    assert!(
        printed.contains("candidate − current: -0.3333"),
        "{printed}"
    );
    assert!(printed.contains("p = 0.6875: not significant"), "{printed}");

    let wrong = cojudge(
        &url,
        &[
            "judge",
            "eval",
            "--task",
            "tag",
            "--mode",
            "sometimes",
            "--openai-base-url",
            &base_url,
        ],
    );
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("sometimes"), "{}", stderr(&wrong));
}
