//! Judge-human agreement: the counters the triggers keep as verdicts and judgments come and go,
//! the figures computed from them, and `GET /api/v1/tasks/{task}/metrics`.

use crate::harness::{migrated_pool, spawn_app};
use crate::judge_support::TAG_CRITERIA;
use crate::review_support::add_users;
use app::domain::ReviewPurpose;
use app::domain::Role;
use app::services::metrics::task_metrics;
use app::views::metrics::{MetricsQuery, Sample, TaskMetrics};
use serde_json::{json, Value};
use sqlx::PgPool;

/// One item as the test wants it: the judge's label and confidence, the humans' final label
/// (the same on every criterion), and why it went to humans.
struct Reviewed {
    judge: &'static str,
    confidence: f64,
    human: &'static str,
    reason: &'static str,
}

fn reviewed(
    judge: &'static str,
    confidence: f64,
    human: &'static str,
    reason: &'static str,
) -> Reviewed {
    Reviewed {
        judge,
        confidence,
        human,
        reason,
    }
}

async fn tag_task(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT id FROM tasks WHERE name = 'tag'")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A judge configuration of the tag task.
async fn judge_config(pool: &PgPool, model: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO judge_configs (task_id, model, prompt_version, rubric_version, mode, confidence_method)
         SELECT id, $1, 'p1', current_rubric, 'single', 'logprobs' FROM tasks WHERE name = 'tag'
         RETURNING id",
    )
    .bind(model)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn labels(label: &str) -> Value {
    Value::Object(
        TAG_CRITERIA
            .iter()
            .map(|c| (c.to_string(), json!(label)))
            .collect(),
    )
}

/// A judgment of `item_id` by `config` labelling every criterion `label`.
async fn judge(pool: &PgPool, item_id: i64, config: i64, label: &str, confidence: f64) -> i64 {
    let criteria: Value = TAG_CRITERIA
        .iter()
        .map(|c| {
            (
                c.to_string(),
                json!({"label": label, "confidence": confidence}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    sqlx::query_scalar(
        "INSERT INTO judgments (item_id, judge_config_id, source, criteria, qualified, grade, confidence)
         VALUES ($1, $2, 'online', $3, $4, $5, $6) RETURNING id",
    )
    .bind(item_id)
    .bind(config)
    .bind(criteria)
    .bind(label == "pass")
    .bind(if label == "pass" { "S" } else { "B" })
    .bind(confidence)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Items judged by `config`, routed to humans for `reason`, with a final human verdict.
async fn seed(pool: &PgPool, config: i64, decided_by: i64, items: &[Reviewed]) -> Vec<i64> {
    let task = tag_task(pool).await;
    let mut ids = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let external = format!("m-{config}-{n}-{}", uuid::Uuid::new_v4());
        let item_id: i64 = sqlx::query_scalar(
            "INSERT INTO items (task_id, external_id, context, output, content_hash, state, generator_version)
             VALUES ($1, $2, '{}', '{}', sha256($2::bytea), 'done', $3) RETURNING id",
        )
        .bind(task)
        .bind(&external)
        .bind(if n % 2 == 0 { "g1" } else { "g2" })
        .fetch_one(pool)
        .await
        .unwrap();
        let judgment = judge(pool, item_id, config, item.judge, item.confidence).await;
        sqlx::query(
            "INSERT INTO routing_decisions (item_id, judgment_id, route, reason, annotations_required,
                                            inclusion_probability)
             VALUES ($1, $2, 'human', $3, 1, inclusion_probability($3, 0.05))",
        )
        .bind(item_id)
        .bind(judgment)
        .bind(item.reason)
        .execute(pool)
        .await
        .unwrap();
        write_verdict(pool, item_id, item.human, "human", decided_by).await;
        ids.push(item_id);
    }
    ids
}

async fn write_verdict(pool: &PgPool, item_id: i64, label: &str, provenance: &str, by: i64) {
    sqlx::query(
        "INSERT INTO verdicts (item_id, criteria, qualified, grade, provenance, decided_by, rubric_version)
         VALUES ($1, $2, $3, $4, $5, $6, 1)
         ON CONFLICT (item_id) DO UPDATE SET criteria = excluded.criteria,
             qualified = excluded.qualified, grade = excluded.grade, provenance = excluded.provenance",
    )
    .bind(item_id)
    .bind(labels(label))
    .bind(label == "pass")
    .bind(if label == "pass" { "S" } else { "B" })
    .bind(provenance)
    .bind(by)
    .execute(pool)
    .await
    .unwrap();
}

async fn metrics(pool: &PgPool, sample: Sample) -> TaskMetrics {
    let query = MetricsQuery {
        sample,
        ..MetricsQuery::default()
    };
    task_metrics(pool, "tag", &query).await.unwrap()
}

/// The counters must equal a fresh count over the pairs they summarise.
async fn assert_counters_match_pairs(pool: &PgPool) {
    let drift: i64 = sqlx::query_scalar(
        "WITH fresh AS (
             SELECT p.task_id, p.judge_config_id, p.unbiased, l.criterion, p.generator_version, p.week,
                    l.human_label, l.judge_label, p.stratum, p.stream_weight, count(*) AS pairs
             FROM agreement_pairs p
             CROSS JOIN LATERAL (
                 SELECT e.key AS criterion, e.value ->> 0 AS human_label, e.value ->> 1 AS judge_label
                 FROM jsonb_each(p.labels) e
                 UNION ALL
                 SELECT '', CASE WHEN p.human_qualified THEN 'pass' ELSE 'fail' END,
                            CASE WHEN p.judge_qualified THEN 'pass' ELSE 'fail' END) l
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
         SELECT count(*) FROM fresh FULL JOIN (SELECT * FROM agreement_cells WHERE pairs <> 0) c
             USING (task_id, judge_config_id, unbiased, criterion, generator_version, week, human_label, judge_label,
                    stratum, stream_weight)
         WHERE fresh.pairs IS DISTINCT FROM c.pairs",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(drift, 0, "agreement_cells drifted from agreement_pairs");
}

#[tokio::test]
async fn agreement_counts_only_audit_and_golden_items_unless_asked_for_all() {
    let (pool, _) = migrated_pool().await;
    let admin = add_users(&pool, "adm", 1, "admin").await[0];
    let config = judge_config(&pool, "judge-a").await;
    seed(
        &pool,
        config,
        admin,
        &[
            reviewed("pass", 0.95, "pass", "audit"),
            reviewed("pass", 0.91, "pass", "audit"),
            reviewed("pass", 0.97, "fail", "audit"),
            reviewed("fail", 0.85, "fail", "golden"),
            reviewed("pass", 0.40, "fail", "low_confidence"),
            reviewed("fail", 0.30, "pass", "low_confidence"),
        ],
    )
    .await;

    let unbiased = metrics(&pool, Sample::Unbiased).await;
    assert_eq!(unbiased.overall.pairs, 4);
    // rows: human pass, fail; columns: judge pass, fail
    assert_eq!(
        unbiased.overall.confusion,
        vec![vec![2.0, 0.0], vec![1.0, 1.0]]
    );
    assert_eq!(unbiased.overall.effective_sample_size, None);
    let accuracy = unbiased.overall.accuracy.as_ref().unwrap();
    assert!((accuracy.value - 0.75).abs() < 1e-12);
    let interval = accuracy.interval.unwrap();
    assert!(interval.lower < 0.75 && 0.75 < interval.upper);
    assert!((unbiased.overall.precision.as_ref().unwrap().value - 2.0 / 3.0).abs() < 1e-12);
    assert!((unbiased.overall.recall.as_ref().unwrap().value - 1.0).abs() < 1e-12);
    assert!((unbiased.overall.f1.as_ref().unwrap().value - 0.8).abs() < 1e-12);
    assert!((unbiased.overall.kappa.as_ref().unwrap().value - 0.5).abs() < 1e-12);
    assert_eq!(unbiased.criteria.len(), 4);
    assert!(unbiased.criteria.iter().all(|c| c.pairs == 4));
    assert_eq!(unbiased.judge_config.as_ref().unwrap().id, config);
    let generators: Vec<(String, u64)> = unbiased
        .by_generator_version
        .iter()
        .map(|s| (s.slice.clone(), s.pairs))
        .collect();
    assert_eq!(generators, vec![("g1".into(), 2), ("g2".into(), 2)]);
    assert_eq!(unbiased.by_week.len(), 1);

    let all = metrics(&pool, Sample::AllReviewed).await;
    assert_eq!(all.overall.pairs, 6);
    assert_eq!(all.overall.confusion, vec![vec![2.0, 1.0], vec![2.0, 1.0]]);

    // The stream: each audited item (audit rate 5%) stands for 20 confident items, each unsure
    // one for itself; the golden item is no sample of the stream and is left out.
    let stream = metrics(&pool, Sample::Stream).await;
    assert_eq!(stream.overall.pairs, 5);
    assert_eq!(
        stream.overall.confusion,
        vec![vec![40.0, 1.0], vec![21.0, 0.0]]
    );
    assert_eq!(stream.overall.stream_items, Some(62.0));
    // Kish: (3·20 + 2)² / (3·400 + 2).
    let effective = stream.overall.effective_sample_size.unwrap();
    assert!((effective - 3844.0 / 1202.0).abs() < 1e-9);
    let close = |estimate: &Option<app::views::metrics::Estimate>, expected: f64| {
        let value = estimate.as_ref().unwrap().value;
        assert!((value - expected).abs() < 1e-12, "{value} ≠ {expected}");
    };
    close(&stream.overall.accuracy, 40.0 / 62.0);
    close(&stream.overall.precision, 40.0 / 61.0);
    close(&stream.overall.recall, 40.0 / 41.0);
    close(&stream.overall.f1, 80.0 / 102.0);
    close(&stream.overall.kappa, 1.0 - 22.0 / (1322.0 / 62.0));
    // The interval is as wide as about 3 items give, not 5.
    let interval = stream.overall.accuracy.as_ref().unwrap().interval.unwrap();
    let unweighted = app::domain::agreement::wilson_interval(3, 5).unwrap();
    assert!(interval.upper - interval.lower > unweighted.upper - unweighted.lower);
    assert!(stream.criteria.iter().all(|c| c.pairs == 5));
    let config_accuracy = stream
        .judge_config
        .as_ref()
        .unwrap()
        .accuracy
        .as_ref()
        .unwrap();
    assert!((config_accuracy.value - 40.0 / 62.0).abs() < 1e-12);
    // Calibration on the stream too: every threshold from the weighted buckets.
    assert_eq!(stream.calibration.sample, Sample::Stream);
    let top = &stream.calibration.risk_coverage[0];
    assert_eq!((top.threshold, top.accepted), (0.97, 1));
    let everything = stream.calibration.risk_coverage.last().unwrap();
    assert_eq!(everything.coverage, 1.0);
    assert!((everything.agreement - 40.0 / 62.0).abs() < 1e-12);
    assert_counters_match_pairs(&pool).await;
}

#[tokio::test]
async fn counts_follow_verdicts_replaced_and_withdrawn_and_new_judge_configurations() {
    let (pool, _) = migrated_pool().await;
    let admin = add_users(&pool, "adm", 1, "admin").await[0];
    let first = judge_config(&pool, "judge-a").await;
    let items = seed(
        &pool,
        first,
        admin,
        &[
            reviewed("pass", 0.9, "pass", "audit"),
            reviewed("pass", 0.9, "fail", "audit"),
            reviewed("fail", 0.9, "fail", "audit"),
        ],
    )
    .await;
    assert_eq!(metrics(&pool, Sample::Unbiased).await.overall.pairs, 3);

    // An adjudicator overturns the second item's verdict: now judge and humans agree on it.
    write_verdict(&pool, items[1], "pass", "adjudicated", admin).await;
    let after = metrics(&pool, Sample::Unbiased).await;
    assert_eq!(
        after.overall.confusion,
        vec![vec![2.0, 0.0], vec![0.0, 1.0]]
    );

    // An undo withdraws the third item's verdict.
    sqlx::query("DELETE FROM verdicts WHERE item_id = $1")
        .bind(items[2])
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(metrics(&pool, Sample::Unbiased).await.overall.pairs, 2);

    // A candidate judge run over the reviewed items: the newest configuration is shown by
    // default, and both are listed with their own agreement.
    let candidate = judge_config(&pool, "judge-b").await;
    for item in &items[..2] {
        judge(&pool, *item, candidate, "fail", 0.6).await;
    }
    let both = metrics(&pool, Sample::Unbiased).await;
    assert_eq!(both.judge_config.as_ref().unwrap().id, candidate);
    assert_eq!(both.overall.confusion, vec![vec![0.0, 2.0], vec![0.0, 0.0]]);
    let listed: Vec<(i64, u64)> = both.judge_configs.iter().map(|c| (c.id, c.pairs)).collect();
    assert_eq!(listed, vec![(candidate, 2), (first, 2)]);
    let chosen = task_metrics(
        &pool,
        "tag",
        &MetricsQuery {
            judge_config: Some(first),
            ..MetricsQuery::default()
        },
    )
    .await
    .unwrap();
    // The default view is the stream: each of the two audited items stands for 20.
    assert_eq!(chosen.sample, Sample::Stream);
    assert_eq!(
        chosen.overall.confusion,
        vec![vec![40.0, 0.0], vec![0.0, 0.0]]
    );

    // A judge verdict (no humans involved) counts nothing.
    sqlx::query("UPDATE verdicts SET provenance = 'judge', judgment_id = (SELECT id FROM judgments WHERE item_id = $1 LIMIT 1), decided_by = NULL WHERE item_id = $1")
        .bind(items[0])
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(metrics(&pool, Sample::Unbiased).await.overall.pairs, 1);
    assert_counters_match_pairs(&pool).await;
}

#[tokio::test]
async fn calibration_recommends_the_threshold_with_least_human_work_that_meets_the_target() {
    let (pool, _) = migrated_pool().await;
    let admin = add_users(&pool, "adm", 1, "admin").await[0];
    let config = judge_config(&pool, "judge-a").await;
    // 200 audited items at confidence 0.95, all right; 100 at 0.75, half right.
    let mut items = Vec::new();
    for n in 0..300 {
        let (confidence, human) = if n < 200 {
            (0.95, "pass")
        } else {
            (0.75, if n % 2 == 0 { "pass" } else { "fail" })
        };
        items.push(reviewed("pass", confidence, human, "audit"));
    }
    seed(&pool, config, admin, &items).await;
    let calibration = metrics(&pool, Sample::Unbiased).await.calibration;
    let recommendation = calibration.recommendation.expect("0.95 is reachable");
    assert!((recommendation.threshold - 0.95).abs() < 1e-9);
    assert!((recommendation.human_share - 1.0 / 3.0).abs() < 1e-9);
    assert!(recommendation.agreement_interval.lower >= 0.95);
    assert!((calibration.current_threshold - 0.8).abs() < 1e-9);
    let bins: Vec<(u64, u64)> = calibration
        .reliability
        .bins
        .iter()
        .filter(|b| b.total > 0)
        .map(|b| (b.total, b.agreed))
        .collect();
    assert_eq!(bins, vec![(100, 50), (200, 200)]);
    assert_eq!(calibration.risk_coverage.len(), 2);
}

#[tokio::test]
async fn concurrent_verdicts_on_many_items_keep_the_counters_exact() {
    let (pool, _) = migrated_pool().await;
    let admin = add_users(&pool, "adm", 1, "admin").await[0];
    let config = judge_config(&pool, "judge-a").await;
    let spec: Vec<Reviewed> = (0..60)
        .map(|n| {
            reviewed(
                if n % 3 == 0 { "fail" } else { "pass" },
                0.9,
                "pass",
                "audit",
            )
        })
        .collect();
    let items = seed(&pool, config, admin, &spec).await;
    // Every item's verdict is rewritten at once, from 20 connections: all flip to "fail".
    let mut tasks = Vec::new();
    for chunk in items.chunks(3) {
        let pool = pool.clone();
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            for item in chunk {
                write_verdict(&pool, item, "fail", "adjudicated", admin).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let overall = metrics(&pool, Sample::Unbiased).await.overall;
    assert_eq!(overall.confusion, vec![vec![0.0, 0.0], vec![40.0, 20.0]]);
    assert_counters_match_pairs(&pool).await;
}

#[tokio::test]
async fn the_metrics_api_answers_tokens_and_says_what_is_wrong() {
    let app = spawn_app().await;
    let admin = add_users(&app.pool, "adm", 1, "admin").await[0];
    let config = judge_config(&app.pool, "judge-a").await;
    seed(
        &app.pool,
        config,
        admin,
        &[reviewed("pass", 0.9, "pass", "audit")],
    )
    .await;
    let trainer = app.api_token("metrics-reader", Role::Trainer).await;
    let admin_token = app.api_token("metrics-admin", Role::Admin).await;
    let client = reqwest::Client::new();
    let get = |path: &str, token: &str| {
        client
            .get(format!("{}{path}", app.address))
            .bearer_auth(token)
            .send()
    };

    let response = get(
        "/api/v1/tasks/tag/metrics?sample=all_reviewed&target=0.9",
        &trainer,
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["sample"], "all_reviewed");
    assert_eq!(body["overall"]["pairs"], 1);
    assert_eq!(body["calibration"]["target_agreement"], 0.9);
    assert_eq!(body["judge_config"]["model"], "judge-a");

    // The default: stream-wide, with the weights' effective sample size.
    let by_admin = get("/api/v1/tasks/tag/metrics", &admin_token)
        .await
        .unwrap();
    assert_eq!(by_admin.status(), 200);
    let stream: Value = by_admin.json().await.unwrap();
    assert_eq!(stream["sample"], "stream");
    assert_eq!(stream["overall"]["stream_items"], 20.0);
    assert_eq!(stream["overall"]["effective_sample_size"], 1.0);
    assert_eq!(
        stream["overall"]["confusion"],
        json!([[20.0, 0.0], [0.0, 0.0]])
    );
    let missing = get("/api/v1/tasks/nope/metrics", &trainer).await.unwrap();
    assert_eq!(missing.status(), 404);
    let wrong = get("/api/v1/tasks/tag/metrics?target=2", &trainer)
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
    let bad_sample = get("/api/v1/tasks/tag/metrics?sample=some", &trainer)
        .await
        .unwrap();
    assert_eq!(bad_sample.status(), 400);
    let bad_config = get("/api/v1/tasks/tag/metrics?judge_config=999999", &trainer)
        .await
        .unwrap();
    assert_eq!(bad_config.status(), 404);
    let anonymous = client
        .get(format!("{}/api/v1/tasks/tag/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn annotator_agreement_is_krippendorffs_alpha_over_items_with_two_answers() {
    use crate::review_support::{answer_as, claim_as, items_for_humans};
    use app::db::queue::review::{self};
    use app::domain::agreement::{CoincidenceMatrix, MeasurementLevel};
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 3, 2).await;
    let people = add_users(&pool, "ann", 2, "annotator").await;
    let lease = std::time::Duration::from_secs(600);
    // Both say pass on the first item, they split on the second, both say fail on the third.
    let plan = [["pass", "pass"], ["pass", "fail"], ["fail", "fail"]];
    let mut last_answer = None;
    for labels in plan {
        for (person, label) in people.iter().zip(labels) {
            let slot = claim_as(&pool, task, *person, ReviewPurpose::Annotate, lease, &[])
                .await
                .unwrap();
            let answer = answer_as(slot.slot_id, *person, ReviewPurpose::Annotate, label);
            review::submit(&pool, &answer).await.unwrap();
            last_answer = Some(answer.client_id);
        }
    }
    let expected = CoincidenceMatrix::from_unit_value_counts(2, [[2u64, 0], [1, 1], [0, 2]])
        .unwrap()
        .alpha(MeasurementLevel::Nominal)
        .unwrap();
    let annotators = metrics(&pool, Sample::AllReviewed).await.annotators;
    assert_eq!(annotators.len(), 4);
    for row in &annotators {
        assert_eq!(row.items, 3, "{}", row.criterion);
        assert!(
            (row.alpha.unwrap() - expected).abs() < 1e-12,
            "{}",
            row.criterion
        );
        // Three items: the bootstrap over items is wide, and holds the estimate.
        let interval = row.alpha_interval.unwrap();
        assert!(interval.contains(expected) && interval.upper - interval.lower > 0.5);
    }

    // Undoing the last answer leaves the third item with one answer: two units remain, on which
    // both people agreed once and split once.
    sqlx::query("UPDATE annotations SET retracted_at = now() WHERE client_id = $1")
        .bind(last_answer.unwrap())
        .execute(&pool)
        .await
        .unwrap();
    let expected = CoincidenceMatrix::from_unit_value_counts(2, [[2u64, 0], [1, 1]])
        .unwrap()
        .alpha(MeasurementLevel::Nominal)
        .unwrap();
    for row in metrics(&pool, Sample::AllReviewed).await.annotators {
        assert_eq!(row.items, 2);
        assert!((row.alpha.unwrap() - expected).abs() < 1e-12);
    }
}

#[tokio::test]
async fn task_cards_learn_of_a_judge_that_drifted_in_its_latest_week() {
    let app = spawn_app().await;
    let admin = add_users(&app.pool, "adm", 1, "admin").await[0];
    let config = judge_config(&app.pool, "judge-drift").await;
    // A week of audited items where the judge and humans agree on only 5 of 30.
    let mut items: Vec<Reviewed> = (0..25)
        .map(|_| reviewed("pass", 0.9, "fail", "audit"))
        .collect();
    items.extend((0..5).map(|_| reviewed("pass", 0.9, "pass", "audit")));
    seed(&app.pool, config, admin, &items).await;

    let reviewer = app.signed_in(Role::Reviewer).await.client;
    let notes: Value = app
        .call(&reviewer, "metrics/drift")
        .await
        .json()
        .await
        .unwrap();
    let notes = notes.as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["task"], "tag");
    assert_eq!(notes[0]["week"]["pairs"], 30);
    assert!(
        notes[0]["week"]["accuracy"]["interval"]["upper"]
            .as_f64()
            .unwrap()
            < 0.95
    );

    // Annotators see no metrics, so no drift either.
    let annotator = app.signed_in(Role::Annotator).await.client;
    assert_eq!(app.call(&annotator, "metrics/drift").await.status(), 403);
}

#[tokio::test]
async fn admins_see_each_annotators_golden_accuracy_verdict_agreement_and_pairwise_kappa() {
    let app = spawn_app().await;
    let task = tag_task(&app.pool).await;
    let people = add_users(&app.pool, "ann", 2, "annotator").await;
    // Four golden items, all `pass`. Annotator 0 answers `pass` everywhere; annotator 1 fails
    // every criterion of the last two. The final verdicts are `pass`.
    for n in 0..4 {
        let item: i64 = sqlx::query_scalar(
            "INSERT INTO items (task_id, external_id, context, output, content_hash, state, golden)
             VALUES ($1, $2, '{}', '{}', sha256($2::bytea), 'done', $3) RETURNING id",
        )
        .bind(task)
        .bind(format!("gold-{n}"))
        .bind(labels("pass"))
        .fetch_one(&app.pool)
        .await
        .unwrap();
        for (person, label) in [
            (people[0], "pass"),
            (people[1], if n < 2 { "pass" } else { "fail" }),
        ] {
            sqlx::query(
                "INSERT INTO annotations (item_id, user_id, client_id, rubric_version, purpose, criteria, qualified, grade)
                 VALUES ($1, $2, gen_random_uuid(), 1, 'annotate', $3, $4, $5)",
            )
            .bind(item)
            .bind(person)
            .bind(labels(label))
            .bind(label == "pass")
            .bind(if label == "pass" { "S" } else { "B" })
            .execute(&app.pool)
            .await
            .unwrap();
        }
        write_verdict(&app.pool, item, "pass", "human", people[0]).await;
    }

    let admin = app.signed_in(Role::Admin).await.client;
    let figures: Value = app
        .call_form(&admin, "metrics/annotators", &[("task", "tag")])
        .await
        .json()
        .await
        .unwrap();
    let rows = figures["annotators"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{figures}");
    let (first, second) = (&rows[0], &rows[1]);
    assert_eq!(
        (first["name"].as_str(), first["answers"].as_u64()),
        (Some("ann0@example.org"), Some(4))
    );
    assert_eq!(first["golden_labels"], 16);
    assert_eq!(first["golden_accuracy"]["value"], 1.0);
    assert_eq!(first["verdict_agreement"]["value"], 1.0);
    assert_eq!(second["golden_accuracy"]["value"], 0.5);
    assert_eq!(second["verdicts_compared"], 4);
    assert_eq!(second["verdict_agreement"]["value"], 0.5);
    // Annotator 0 used one class only: observed and chance agreement are both 0.5, κ = 0.
    let pairs = figures["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["shared_items"], 4);
    assert_eq!(pairs[0]["kappa"], 0.0);

    // Reviewers see the metrics page, but not this.
    let reviewer = app.signed_in(Role::Reviewer).await.client;
    let refused = app
        .call_form(&reviewer, "metrics/annotators", &[("task", "tag")])
        .await;
    assert_eq!(refused.status(), 403);
}
