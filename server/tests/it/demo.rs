//! Demo data: three tasks, a few hundred artifacts, two accounts; loading twice adds nothing.

use crate::harness::{count_where, migrated_pool};

#[tokio::test]
async fn the_demo_loads_artifacts_for_every_task_and_two_accounts_once() {
    let (pool, _) = migrated_pool().await;

    let first = cojudge::demo::load(&pool, 42, 30).await.unwrap();
    let second = cojudge::demo::load(&pool, 42, 30).await.unwrap();

    assert_eq!(first.items_inserted, 90);
    assert_eq!(first.new_accounts.len(), 2);
    assert_eq!(second.items_inserted, 0);
    assert_eq!(second.items_present, 90);
    assert!(second.new_accounts.is_empty());
    assert_eq!(second.existing_accounts.len(), 2);
    let per_task: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t.name, count(*) FROM items i JOIN tasks t ON t.id = i.task_id GROUP BY t.name, t.id ORDER BY t.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        per_task,
        [
            ("interest".into(), 30),
            ("tag".into(), 30),
            ("explanation".into(), 30)
        ]
    );
    let golden = count_where(&pool, "items", "golden IS NOT NULL").await;
    assert!(golden > 0, "some demo items are golden");
}

#[tokio::test]
async fn demo_account_passwords_sign_in() {
    let (pool, _) = migrated_pool().await;
    let summary = cojudge::demo::load(&pool, 7, 5).await.unwrap();
    for (email, _, password) in summary.new_accounts {
        let email = app::domain::Email::parse(&email).unwrap();
        let stored = app::db::users::credentials(&pool, &email)
            .await
            .unwrap()
            .unwrap();
        assert!(
            app::services::password::verify_queued(password, Some(stored.password_hash))
                .await
                .unwrap()
        );
    }
}
