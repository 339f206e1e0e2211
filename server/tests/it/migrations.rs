//! The schema from an empty database, and the built-in tasks seeded as data.

use crate::harness::fresh_database;
use cojudge::database::{connect, migrate};
use cojudge::seed::builtin_tasks::ensure_builtin_tasks;

#[tokio::test]
async fn migrations_apply_to_an_empty_database_and_running_them_again_changes_nothing() {
    let (_, url) = fresh_database().await;
    let pool = connect(&url, 2).await.unwrap();

    migrate(&pool).await.unwrap();
    migrate(&pool).await.unwrap();

    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            "activity_hours",
            "agreement_cells",
            "agreement_pairs",
            "annotations",
            "annotator_hours",
            "api_tokens",
            "audit_log",
            "calibration_cells",
            "export_downloads",
            "exports",
            "iaa_cells",
            "iaa_units",
            "items",
            "judge_configs",
            "judge_evaluations",
            "judgments",
            "login_attempts",
            "queue_samples",
            "review_slots",
            "routing_decisions",
            "rubrics",
            "sessions",
            "tasks",
            "users",
            "verdicts"
        ]
    );
}

#[tokio::test]
async fn built_in_tasks_are_seeded_once_as_rubric_version_one() {
    let (_, url) = fresh_database().await;
    let pool = connect(&url, 2).await.unwrap();
    migrate(&pool).await.unwrap();

    ensure_builtin_tasks(&pool).await.unwrap();
    ensure_builtin_tasks(&pool).await.unwrap();

    let rows: Vec<(String, i32, bool)> = sqlx::query_as(
        "SELECT t.name, r.version, t.builtin FROM tasks t JOIN rubrics r ON r.task_id = t.id ORDER BY t.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            ("interest".into(), 1, true),
            ("tag".into(), 1, true),
            ("explanation".into(), 1, true)
        ]
    );
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let (_, url) = fresh_database().await;
    let pool = connect(&url, 2).await.unwrap();
    migrate(&pool).await.unwrap();
    sqlx::query("INSERT INTO audit_log (actor_label, action) VALUES ('system', 'test')")
        .execute(&pool)
        .await
        .unwrap();

    let update = sqlx::query("UPDATE audit_log SET action = 'changed'")
        .execute(&pool)
        .await;
    let delete = sqlx::query("DELETE FROM audit_log").execute(&pool).await;

    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

/// Migration 0022 back-fills each stored routing decision's inclusion probability with the
/// audit rate of the rubric version it was routed under.
#[tokio::test]
async fn stored_routing_decisions_get_the_inclusion_probability_in_force_when_they_were_made() {
    let (_, url) = fresh_database().await;
    let pool = connect(&url, 2).await.unwrap();
    let before = sqlx::migrate::Migrator {
        migrations: cojudge::database::MIGRATOR
            .iter()
            .filter(|m| m.version < 20261207000022)
            .cloned()
            .collect::<Vec<_>>()
            .into(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before.run(&pool).await.unwrap();
    // Version 1 (audit rate 10%) from January, version 2 (30%) from June.
    sqlx::raw_sql(
        r#"INSERT INTO tasks (name, title, current_rubric) VALUES ('t', 'T', 2);
           INSERT INTO rubrics (task_id, version, definition, digest, created_at) VALUES
             (1, 1, '{"routing": {"audit_rate": 0.1}}', 'a', '2026-01-01'),
             (1, 2, '{"routing": {"audit_rate": 0.3}}', 'b', '2026-06-01');
           INSERT INTO items (task_id, external_id, context, output, content_hash)
           SELECT 1, 'i-' || n, '{}', '{}', '\x00' FROM generate_series(1, 7) n;
           INSERT INTO routing_decisions (item_id, route, reason, threshold, audit_draw, created_at) VALUES
             (1, 'human', 'low_confidence', 0.8, 0.5, '2026-03-01'),
             (2, 'human', 'golden', 0.8, 0.5, '2026-03-01'),
             (3, 'human', 'audit', 0.8, 0.05, '2026-03-01'),
             (4, 'auto', 'confident', 0.8, 0.5, '2026-07-01'),
             (5, 'human', 'audit', 0.8, 0.2, '2026-07-01'),
             (6, 'auto', 'confident', 0.8, 0.15, '2026-06-02'),
             (7, 'human', 'no_judge', 0.8, 0.9, '2026-07-01');"#,
    )
    .execute(&pool)
    .await
    .unwrap();

    migrate(&pool).await.unwrap();

    let probabilities: Vec<Option<f64>> =
        sqlx::query_scalar("SELECT inclusion_probability FROM routing_decisions ORDER BY item_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        probabilities,
        [
            Some(1.0),
            None,
            Some(0.1),
            Some(0.3),
            Some(0.3),
            // Its draw (0.15) is below version 2's rate, so it was routed under version 1 (its
            // item claimed before version 2 was saved).
            Some(0.1),
            Some(1.0),
        ]
    );
    // Golden decisions alone have none; an audit always has a positive one.
    let refused = sqlx::query(
        "INSERT INTO routing_decisions (item_id, route, reason, inclusion_probability)
         VALUES (1, 'human', 'golden', 0.5)",
    )
    .execute(&pool)
    .await;
    assert!(refused.is_err());
}
