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
