//! The `cojudge` binary, run as a user would: accounts from the command line.

use crate::harness::{cojudge_with_input, count_where, migrated_pool};

#[tokio::test]
async fn user_add_creates_an_account_that_can_sign_in_and_refuses_a_duplicate() {
    let (pool, url) = migrated_pool().await;
    let args = [
        "user",
        "add",
        "--email",
        "Tim@Example.org",
        "--role",
        "trainer",
        "--password-stdin",
    ];

    let created = cojudge_with_input(&url, &args, "a-long-password\n");
    let duplicate = cojudge_with_input(&url, &args, "a-long-password\n");

    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout)
        .contains("Created trainer account tim@example.org"));
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));
    let email = app::domain::Email::parse("tim@example.org").unwrap();
    let stored = app::db::users::credentials(&pool, &email)
        .await
        .unwrap()
        .unwrap();
    assert!(app::services::password::verify_queued(
        "a-long-password".into(),
        Some(stored.password_hash)
    )
    .await
    .unwrap());
    let audited = count_where(&pool, "audit_log", "action = 'user.created'").await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn user_add_explains_a_bad_role_and_a_short_password() {
    let (_, url) = migrated_pool().await;

    let bad_role = cojudge_with_input(
        &url,
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--role",
            "root",
            "--password-stdin",
        ],
        "a-long-password\n",
    );
    let short = cojudge_with_input(
        &url,
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "short\n",
    );

    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr)
        .contains("expected one of admin, trainer, reviewer, annotator"));
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10 characters"));
}

#[tokio::test]
async fn user_passwd_changes_the_password_of_an_existing_account_only() {
    let (pool, url) = migrated_pool().await;
    cojudge_with_input(
        &url,
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "first-password\n",
    );

    let changed = cojudge_with_input(
        &url,
        &[
            "user",
            "passwd",
            "--email",
            "a@example.org",
            "--password-stdin",
        ],
        "second-password\n",
    );
    let missing = cojudge_with_input(
        &url,
        &[
            "user",
            "passwd",
            "--email",
            "b@example.org",
            "--password-stdin",
        ],
        "second-password\n",
    );

    assert!(changed.status.success());
    assert!(!missing.status.success());
    let email = app::domain::Email::parse("a@example.org").unwrap();
    let stored = app::db::users::credentials(&pool, &email)
        .await
        .unwrap()
        .unwrap();
    assert!(app::services::password::verify_queued(
        "second-password".into(),
        Some(stored.password_hash)
    )
    .await
    .unwrap());
}

#[tokio::test]
async fn user_disable_and_enable_end_its_sessions_and_stop_its_tokens_meanwhile() {
    let (pool, url) = migrated_pool().await;
    let add = [
        "user",
        "add",
        "--email",
        "d@example.org",
        "--role",
        "admin",
        "--password-stdin",
    ];
    assert!(cojudge_with_input(&url, &add, "a-long-password\n")
        .status
        .success());
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'd@example.org'")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, data, expires_at)
         VALUES ('s1', $1, '{}', now() + interval '1 hour'), ('s2', $1, '{}', now() + interval '1 hour')",
    )
    .bind(user_id)
    .execute(&pool)
    .await
    .unwrap();

    let disabled = cojudge_with_input(&url, &["user", "disable", "--email", "d@example.org"], "");
    let again = cojudge_with_input(&url, &["user", "disable", "--email", "D@example.org"], "");
    let missing = cojudge_with_input(&url, &["user", "disable", "--email", "x@example.org"], "");

    assert!(
        disabled.status.success(),
        "{}",
        String::from_utf8_lossy(&disabled.stderr)
    );
    let said = String::from_utf8_lossy(&disabled.stdout);
    assert!(
        said.contains("Disabled d@example.org: 2 sessions ended"),
        "{said}"
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("already disabled"));
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no account with e-mail x@example.org")
    );
    assert_eq!(
        count_where(&pool, "sessions", &format!("user_id = {user_id}")).await,
        0
    );
    assert_eq!(
        count_where(&pool, "users", "disabled_at IS NOT NULL").await,
        1
    );
    assert_eq!(
        count_where(&pool, "audit_log", "action = 'user.disabled'").await,
        1
    );

    let enabled = cojudge_with_input(&url, &["user", "enable", "--email", "d@example.org"], "");
    assert!(enabled.status.success());
    assert!(String::from_utf8_lossy(&enabled.stdout).contains("Enabled d@example.org"));
    assert_eq!(
        count_where(&pool, "users", "disabled_at IS NOT NULL").await,
        0
    );
}
