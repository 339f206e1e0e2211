//! `cojudge task import|export|list`, run as a user would: custom tasks from TOML task files,
//! rubric versions, round trips, refusals, and concurrent imports.

use crate::harness::{cojudge, count_where, migrated_pool, stderr, stdout};
use app::db::tasks::{self, ImportOutcome};
use app::domain::TaskDefinition;
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A custom task: rewriting product titles, on a graded scale with two criteria.
const TITLE_TASK: &str = r#"
name = "title"
title = "Product title rewriting"
description = "The generator rewrites a seller's product title into a short, readable one."

[scale]
kind = "graded"

[[scale.labels]]
value = "excellent"
title = "Excellent"
passes = true
strong = true

[[scale.labels]]
value = "good"
title = "Good"
passes = true

[[scale.labels]]
value = "bad"
title = "Bad"
passes = false

[grading]
strong_share_for_s = 0.5

[[criteria]]
name = "faithfulness"
title = "Faithfulness"
definition = "The new title claims nothing the original title and attributes do not say."
passing_examples = ["\"Waterproof 30 L hiking daypack\" from a title naming a 30 L waterproof pack."]
failing_examples = ["\"Fireproof hiking daypack\" when nothing says fireproof."]

[[criteria]]
name = "readability"
title = "Readability"
definition = "The new title reads naturally, without keyword stuffing or repeated words."
failing_examples = ["\"bag bag hiking bag daypack bag\""]

[routing]
confidence_threshold = 0.9
audit_rate = 0.1

[context_schema]
type = "object"
required = ["original_title", "category"]
properties.original_title = { type = "string", minLength = 1 }
properties.category = { type = "string" }

[output_schema]
type = "string"
maxLength = 120
"#;

/// Runs `cojudge` and insists that it succeeds; returns what it printed.
fn ok(url: &SecretString, args: &[&str]) -> String {
    let output = cojudge(url, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

async fn current(pool: &PgPool, name: &str) -> (i32, TaskDefinition) {
    let (_, version, definition) = app::db::tasks::current_definition(pool, name)
        .await
        .unwrap()
        .unwrap();
    (version, definition)
}

async fn rubric_versions(pool: &PgPool, name: &str) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT r.version FROM rubrics r JOIN tasks t ON t.id = r.task_id WHERE t.name = $1 ORDER BY 1",
    )
    .bind(name)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn audited(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1 AND target_id = 'title'")
        .bind(action)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_custom_task_file_imports_as_version_one_and_its_export_reimports_unchanged() {
    let (pool, url) = migrated_pool().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "title.toml", TITLE_TASK);
    let exported = dir.path().join("exported.toml");

    let created = ok(&url, &["task", "import", text(&file)]);
    let printed = ok(&url, &["task", "export", "title"]);
    ok(&url, &["task", "export", "title", "--out", text(&exported)]);
    let again = ok(&url, &["task", "import", text(&exported)]);
    let listed = ok(&url, &["task", "list"]);

    assert_eq!(created.trim(), "task title created: rubric version 1");
    assert_eq!(again.trim(), "task title is unchanged (rubric version 1)");
    let written = std::fs::read_to_string(&exported).unwrap();
    assert_eq!(printed, written);
    assert!(written.starts_with("# cojudge task file: Product title rewriting (`title`), rubric version 1.\n# Exported by cojudge "));
    let original: TaskDefinition = toml::from_str(TITLE_TASK).unwrap();
    let reread: TaskDefinition = toml::from_str(&written).unwrap();
    assert_eq!(reread, original);
    assert_eq!(current(&pool, "title").await, (1, original));
    assert_eq!(rubric_versions(&pool, "title").await, [1]);
    assert_eq!(audited(&pool, "task.created").await, 1);
    let row = listed.lines().find(|l| l.starts_with("title ")).unwrap();
    let columns: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(columns[..4], ["title", "1", "no", "0"], "{listed}");
    assert!(row.ends_with("Product title rewriting"));
    assert!(listed
        .lines()
        .any(|l| l.starts_with("tag ") && l.contains(" yes ")));
}

#[tokio::test]
async fn an_edited_criterion_makes_version_two_and_version_one_stays_exportable() {
    let (pool, url) = migrated_pool().await;
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "title.toml", TITLE_TASK);
    let edited_text = TITLE_TASK.replace(
        "reads naturally, without",
        "reads naturally in the shop's language, without",
    );
    let edited = write(dir.path(), "title-v2.toml", &edited_text);
    ok(&url, &["task", "import", text(&first)]);

    let versioned = ok(
        &url,
        &["task", "import", text(&edited), "--note", "clearer"],
    );
    let old = ok(&url, &["task", "export", "title", "--version", "1"]);
    let new = ok(&url, &["task", "export", "title"]);
    let missing = cojudge(&url, &["task", "export", "title", "--version", "3"]);

    assert_eq!(versioned.trim(), "task title: rubric version 2");
    let (version, definition) = current(&pool, "title").await;
    assert_eq!(version, 2);
    assert_eq!(definition, toml::from_str(&edited_text).unwrap());
    assert_eq!(
        toml::from_str::<TaskDefinition>(&old).unwrap(),
        toml::from_str(TITLE_TASK).unwrap()
    );
    assert!(old.contains("rubric version 1."));
    assert!(new.contains("in the shop's language"));
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("task title has no rubric version 3 (the current one is 2)"));
    let note: String = sqlx::query_scalar("SELECT note FROM rubrics WHERE version = 2")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(note, "clearer");
    assert_eq!(audited(&pool, "task.versioned").await, 1);
}

#[tokio::test]
async fn a_renamed_criterion_or_a_new_scale_is_a_new_version_that_updates_the_title() {
    let (pool, url) = migrated_pool().await;
    let dir = tempfile::tempdir().unwrap();
    ok(
        &url,
        &[
            "task",
            "import",
            text(&write(dir.path(), "a.toml", TITLE_TASK)),
        ],
    );
    let renamed = TITLE_TASK
        .replace("name = \"readability\"", "name = \"fluency\"")
        .replace(
            "title = \"Product title rewriting\"",
            "title = \"Title rewriting\"",
        );
    let binary = renamed
        .replace("kind = \"graded\"", "kind = \"binary\"")
        .replace(
            "[[scale.labels]]\nvalue = \"good\"\ntitle = \"Good\"\npasses = true\n",
            "",
        );

    let second = ok(
        &url,
        &[
            "task",
            "import",
            text(&write(dir.path(), "b.toml", &renamed)),
        ],
    );
    let third = ok(
        &url,
        &[
            "task",
            "import",
            text(&write(dir.path(), "c.toml", &binary)),
        ],
    );

    assert_eq!(second.trim(), "task title: rubric version 2");
    assert_eq!(third.trim(), "task title: rubric version 3");
    let (version, definition) = current(&pool, "title").await;
    assert_eq!((version, definition.scale.labels.len()), (3, 2));
    assert!(definition.criterion("fluency").is_some());
    let title: String = sqlx::query_scalar("SELECT title FROM tasks WHERE name = 'title'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(title, "Title rewriting");
}

#[tokio::test]
async fn invalid_task_files_are_refused_naming_the_file_and_the_field() {
    let (pool, url) = migrated_pool().await;
    let dir = tempfile::tempdir().unwrap();
    let without_criteria = TITLE_TASK.split("[[criteria]]").next().unwrap().to_string()
        + "[routing]\n[context_schema]\ntype = \"object\"\n[output_schema]\ntype = \"string\"\n";
    let audit_rate_line = 1 + TITLE_TASK
        .lines()
        .position(|line| line.starts_with("audit_rate"))
        .unwrap();
    let cases = [
        (
            "no-criteria.toml",
            without_criteria.clone(),
            "missing field `criteria`",
        ),
        (
            "empty-criteria.toml",
            without_criteria.replacen("\n[scale]", "criteria = []\n[scale]", 1),
            ": criteria: a task needs at least one criterion",
        ),
        (
            "audit.toml",
            TITLE_TASK.replace("audit_rate = 0.1", "audit_rate = 1.5"),
            ": routing.audit_rate: must be between 0 and 1",
        ),
        (
            "schema.toml",
            TITLE_TASK.replace(
                "properties.category = { type = \"string\" }",
                "properties.category = { type = \"strng\" }",
            ),
            ": context_schema.properties.category.type: ",
        ),
        (
            "syntax.toml",
            TITLE_TASK.replace("audit_rate = 0.1", "audit_rate = "),
            &format!("syntax.toml:{audit_rate_line}:"),
        ),
        (
            "typo.toml",
            TITLE_TASK.replace("audit_rate = 0.1", "audit_rat = 0.1"),
            ": routing.audit_rat: unknown field",
        ),
    ];

    for (name, contents, expected) in cases {
        let path = write(dir.path(), name, &contents);
        let refused = cojudge(&url, &["task", "import", text(&path)]);

        let message = stderr(&refused);
        assert!(!refused.status.success(), "{name} was imported");
        assert!(
            message.contains(&format!("{}", path.display())),
            "{name}: {message}"
        );
        assert!(message.contains(expected), "{name}: {message}");
        assert!(
            message.contains("nothing was imported"),
            "{name}: {message}"
        );
    }
    assert!(rubric_versions(&pool, "title").await.is_empty());
    assert_eq!(audited(&pool, "task.created").await, 0);
}

#[tokio::test]
async fn built_in_tasks_export_and_reimport_unchanged() {
    let (pool, url) = migrated_pool().await;
    let dir = tempfile::tempdir().unwrap();

    for name in ["interest", "tag", "explanation"] {
        let file = dir.path().join(format!("{name}.toml"));
        ok(&url, &["task", "export", name, "--out", text(&file)]);
        let again = ok(&url, &["task", "import", text(&file)]);

        assert_eq!(
            again.trim(),
            format!("task {name} is unchanged (rubric version 1)")
        );
        assert_eq!(
            current(&pool, name).await.1,
            cojudge::seed::builtin_tasks::builtin_definition(name).unwrap()
        );
    }
}

#[tokio::test]
async fn concurrent_imports_of_one_changed_file_make_exactly_one_new_version() {
    let (pool, url) = migrated_pool().await;
    let dir = tempfile::tempdir().unwrap();
    ok(
        &url,
        &[
            "task",
            "import",
            text(&write(dir.path(), "a.toml", TITLE_TASK)),
        ],
    );
    let changed = write(
        dir.path(),
        "b.toml",
        &TITLE_TASK.replace("audit_rate = 0.1", "audit_rate = 0.2"),
    );

    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_cojudge"))
                .args(["task", "import", text(&changed)])
                .env("DATABASE_URL", url.expose_secret())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect();

    let mut printed: Vec<String> = outputs
        .iter()
        .map(|output| {
            assert!(output.status.success(), "{}", stderr(output));
            stdout(output).trim().to_string()
        })
        .collect();
    printed.sort();
    assert_eq!(
        printed,
        [
            "task title is unchanged (rubric version 2)",
            "task title is unchanged (rubric version 2)",
            "task title is unchanged (rubric version 2)",
            "task title: rubric version 2",
        ]
    );
    assert_eq!(rubric_versions(&pool, "title").await, [1, 2]);
    assert_eq!(current(&pool, "title").await.0, 2);
    assert_eq!(audited(&pool, "task.versioned").await, 1);
}

/// Waits until some other session of this database is blocked on a lock.
async fn until_a_session_waits_for_a_lock(pool: &PgPool) {
    for _ in 0..500 {
        let waiting = count_where(
            pool,
            "pg_stat_activity",
            "datname = current_database() AND wait_event_type = 'Lock'",
        )
        .await;
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no session waited for a lock");
}

/// Runs `import` of `definition` in a new transaction on another connection, and commits it.
fn import_in_background(
    pool: &PgPool,
    definition: &TaskDefinition,
) -> tokio::task::JoinHandle<ImportOutcome> {
    let (pool, definition) = (pool.clone(), definition.clone());
    tokio::spawn(async move {
        let mut tx = pool.begin().await.unwrap();
        let outcome = tasks::create_or_version(&mut tx, &definition, "background").await;
        tx.commit().await.unwrap();
        outcome.unwrap()
    })
}

#[tokio::test]
async fn an_import_waits_for_one_in_progress_and_then_finds_its_definition_unchanged() {
    let (pool, _) = migrated_pool().await;
    let original: TaskDefinition = toml::from_str(TITLE_TASK).unwrap();
    let mut changed = original.clone();
    changed.routing.audit_rate = 0.2;
    let mut tx = pool.begin().await.unwrap();
    tasks::create_or_version(&mut tx, &original, "first")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // An import that has taken the task's lock but not yet read or written anything.
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("SELECT id FROM tasks WHERE name = 'title' FOR NO KEY UPDATE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let waiting = import_in_background(&pool, &changed);
    until_a_session_waits_for_a_lock(&pool).await;
    let held = tasks::create_or_version(&mut holder, &changed, "holder")
        .await
        .unwrap();
    holder.commit().await.unwrap();

    assert_eq!(
        held,
        ImportOutcome::Versioned {
            version: 2,
            previous: 1
        }
    );
    assert_eq!(
        waiting.await.unwrap(),
        ImportOutcome::Unchanged { version: 2 }
    );
    assert_eq!(rubric_versions(&pool, "title").await, [1, 2]);
}

#[tokio::test]
async fn an_import_waiting_for_a_concurrent_creation_finds_its_definition_unchanged() {
    let (pool, _) = migrated_pool().await;
    let definition: TaskDefinition = toml::from_str(TITLE_TASK).unwrap();

    let mut creator = pool.begin().await.unwrap();
    let created = tasks::create_or_version(&mut creator, &definition, "creator")
        .await
        .unwrap();
    let waiting = import_in_background(&pool, &definition);
    until_a_session_waits_for_a_lock(&pool).await;
    creator.commit().await.unwrap();

    assert_eq!(created, ImportOutcome::Created { version: 1 });
    assert_eq!(
        waiting.await.unwrap(),
        ImportOutcome::Unchanged { version: 1 }
    );
    assert_eq!(rubric_versions(&pool, "title").await, [1]);
}
