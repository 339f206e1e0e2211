//! Bulk import through the `cojudge import` command, as a user runs it on real files.

use crate::harness::{
    cojudge, cojudge_with_input, count, count_where, migrated_pool, stderr, stdout,
};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `n` realistic `tag` items, as JSON objects (the demo generator writes valid artifacts).
pub fn tag_items(n: usize, seed: u64) -> Vec<Value> {
    cojudge::demo::generate::generate(seed, n)
        .into_iter()
        .filter(|item| item.task == "tag")
        .map(|item| {
            json!({
                "external_id": item.external_id,
                "context": item.context,
                "output": item.output,
                "generator": {"model": item.generator_model, "version": item.generator_version},
                "batch": item.batch,
            })
        })
        .collect()
}

pub fn jsonl(items: &[Value]) -> String {
    items.iter().map(|i| format!("{i}\n")).collect()
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn a_valid_file_is_imported_and_importing_it_again_changes_nothing() {
    let (pool, url) = migrated_pool().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        dir.path(),
        "tags.jsonl",
        jsonl(&tag_items(25, 1)).as_bytes(),
    );
    let path = file.to_str().unwrap();

    let first = cojudge(&url, &["import", path, "--task", "tag"]);
    let again = cojudge(&url, &["import", path, "--task", "tag"]);

    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("25 inserted, 0 replaced, 0 unchanged, 0 conflicting, 0 invalid"),
        "{}",
        stdout(&first)
    );
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("0 inserted, 0 replaced, 25 unchanged"),
        "{}",
        stdout(&again)
    );
    assert_eq!(count_where(&pool, "items", "state = 'queued'").await, 25);
    assert_eq!(
        count_where(&pool, "audit_log", "action = 'items.imported'").await,
        2
    );
}

#[tokio::test]
async fn one_invalid_line_imports_nothing_and_says_which_line_and_field() {
    let (pool, url) = migrated_pool().await;
    let mut items = tag_items(10, 2);
    items[6]["context"]["user"] = json!("not an object");
    items[8].as_object_mut().unwrap().remove("external_id");
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "bad.jsonl", jsonl(&items).as_bytes());

    let output = cojudge(&url, &["import", file.to_str().unwrap(), "--task", "tag"]);

    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr(&output);
    assert!(
        stderr.contains(&format!("{}:7: context.user: ", file.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}:9: external_id: is required", file.display())),
        "{stderr}"
    );
    assert!(stdout(&output).contains("NOT imported"));
    assert_eq!(count(&pool, "items").await, 0);
}

#[tokio::test]
async fn a_nul_character_is_a_field_error_not_a_failed_import() {
    // PostgreSQL stores no U+0000; JSON can carry one. Found by the import parser's fuzzing.
    let (pool, url) = migrated_pool().await;
    let mut items = tag_items(4, 5);
    items[1]["output"]["tags"][0]["reason"] = json!("fits\u{0}");
    items[2]["batch"] = json!("batch\u{0}");
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "nul.jsonl", jsonl(&items).as_bytes());
    let path = file.to_str().unwrap();

    let refused = cojudge(&url, &["import", path, "--task", "tag"]);
    let skipped = cojudge(&url, &["import", path, "--task", "tag", "--skip-invalid"]);

    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let stderr = stderr(&refused);
    let nul = "contains a NUL character (U+0000), which PostgreSQL cannot store";
    assert!(
        stderr.contains(&format!("{path}:2: output.tags.0.reason: {nul}")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{path}:3: batch: {nul}")),
        "{stderr}"
    );
    assert_eq!(
        skipped.status.code(),
        Some(2),
        "lines were skipped: {}",
        crate::harness::stderr(&skipped)
    );
    assert_eq!(count(&pool, "items").await, 2);
}

#[tokio::test]
async fn skip_invalid_imports_the_rest_and_writes_rejected_lines_verbatim() {
    let (pool, url) = migrated_pool().await;
    let mut lines: Vec<String> = tag_items(6, 3).iter().map(Value::to_string).collect();
    lines[2] = "{this is not json".to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        dir.path(),
        "mixed.jsonl",
        (lines.join("\n") + "\n").as_bytes(),
    );
    let rejects = dir.path().join("rejects.jsonl");

    let output = cojudge(
        &url,
        &[
            "import",
            file.to_str().unwrap(),
            "--task",
            "tag",
            "--skip-invalid",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );

    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(count(&pool, "items").await, 5);
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap(),
        "{this is not json\n"
    );
    let errors = std::fs::read_to_string(dir.path().join("rejects.jsonl.errors")).unwrap();
    assert!(
        errors.starts_with(&format!("{}:3: ", file.display())),
        "{errors}"
    );
}

#[tokio::test]
async fn a_changed_item_is_a_conflict_until_replaced() {
    let (pool, url) = migrated_pool().await;
    let mut items = tag_items(5, 4);
    let dir = tempfile::tempdir().unwrap();
    let original = write_file(dir.path(), "v1.jsonl", jsonl(&items).as_bytes());
    assert!(cojudge(
        &url,
        &["import", original.to_str().unwrap(), "--task", "tag"],
    )
    .status
    .success());
    items[3]["output"]["tags"][0]["tag"] = json!("waterproof trail running shoes");
    let changed = write_file(dir.path(), "v2.jsonl", jsonl(&items).as_bytes());
    let external_id = items[3]["external_id"].as_str().unwrap().to_string();

    let conflict = cojudge(
        &url,
        &["import", changed.to_str().unwrap(), "--task", "tag"],
    );
    let replaced = cojudge(
        &url,
        &[
            "import",
            changed.to_str().unwrap(),
            "--task",
            "tag",
            "--replace",
        ],
    );

    assert_eq!(conflict.status.code(), Some(2));
    assert!(stderr(&conflict).contains(&format!(
        "{}:4: external_id `{external_id}` exists with different content",
        changed.display()
    )));
    assert!(stdout(&conflict).contains("4 unchanged, 1 conflicting"));
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    assert!(stdout(&replaced).contains("1 replaced, 4 unchanged"));
    let tag: String =
        sqlx::query_scalar("SELECT output #>> '{tags,0,tag}' FROM items WHERE external_id = $1")
            .bind(&external_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tag, "waterproof trail running shoes");
}

#[tokio::test]
async fn replace_never_overwrites_an_item_a_human_has_worked_on() {
    let (pool, url) = migrated_pool().await;
    let mut items = tag_items(2, 5);
    let dir = tempfile::tempdir().unwrap();
    let original = write_file(dir.path(), "v1.jsonl", jsonl(&items).as_bytes());
    cojudge(
        &url,
        &["import", original.to_str().unwrap(), "--task", "tag"],
    );
    let hash = app::services::password::hash("a-long-password".into())
        .await
        .unwrap();
    let user = app::db::users::insert(
        &pool,
        &app::domain::Email::parse("a@example.org").unwrap(),
        "A",
        app::domain::Role::Annotator,
        &hash,
    )
    .await
    .unwrap();
    sqlx::query("INSERT INTO review_slots (item_id, task_id, purpose, user_id, lease_expires_at) SELECT id, task_id, 'annotate', $1, now() + interval '10 minutes' FROM items WHERE external_id = $2")
        .bind(user)
        .bind(items[0]["external_id"].as_str().unwrap())
        .execute(&pool)
        .await
        .unwrap();
    items[0]["output"]["tags"][0]["tag"] = json!("changed");
    let changed = write_file(dir.path(), "v2.jsonl", jsonl(&items).as_bytes());

    let output = cojudge(
        &url,
        &[
            "import",
            changed.to_str().unwrap(),
            "--task",
            "tag",
            "--replace",
        ],
    );

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("a human has already worked on it"));
    assert_eq!(
        count_where(&pool, "items", "output #>> '{tags,0,tag}' = 'changed'").await,
        0
    );
}

#[tokio::test]
async fn csv_gzip_zstd_and_standard_input_are_all_read() {
    let (pool, url) = migrated_pool().await;
    let items = tag_items(12, 6);
    let dir = tempfile::tempdir().unwrap();
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["external_id", "context", "output", "batch"])
        .unwrap();
    for item in &items[0..3] {
        csv.write_record([
            item["external_id"].as_str().unwrap(),
            &item["context"].to_string(),
            &item["output"].to_string(),
            "csv-batch",
        ])
        .unwrap();
    }
    let csv_file = write_file(dir.path(), "items.csv", &csv.into_inner().unwrap());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(jsonl(&items[3..6]).as_bytes()).unwrap();
    let gz_file = write_file(dir.path(), "items.jsonl.gz", &gz.finish().unwrap());
    let zst_file = write_file(
        dir.path(),
        "items.jsonl.zst",
        &zstd::encode_all(jsonl(&items[6..9]).as_bytes(), 3).unwrap(),
    );

    let files = cojudge(
        &url,
        &[
            "import",
            csv_file.to_str().unwrap(),
            gz_file.to_str().unwrap(),
            zst_file.to_str().unwrap(),
            "--task",
            "tag",
        ],
    );
    let stdin = cojudge_with_input(
        &url,
        &["import", "-", "--task", "tag"],
        jsonl(&items[9..12]).as_bytes(),
    );

    assert!(files.status.success(), "{}", stderr(&files));
    assert!(stdout(&files).contains("9 inserted"), "{}", stdout(&files));
    assert!(stdin.status.success(), "{}", stderr(&stdin));
    assert_eq!(count(&pool, "items").await, 12);
    assert_eq!(count_where(&pool, "items", "batch = 'csv-batch'").await, 3);
}

#[tokio::test]
async fn an_unknown_task_is_refused_before_reading_anything() {
    let (_, url) = migrated_pool().await;
    let output = cojudge_with_input(&url, &["import", "-", "--task", "nosuch"], b"{}\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("there is no task called `nosuch`"));
}

#[tokio::test]
async fn an_external_id_repeated_within_one_file_is_unchanged_or_a_conflict() {
    let (pool, url) = migrated_pool().await;
    let mut items = tag_items(3, 7);
    items.push(items[0].clone());
    let mut changed = items[1].clone();
    changed["output"]["tags"][0]["tag"] = json!("something else");
    items.push(changed);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "repeats.jsonl", jsonl(&items).as_bytes());

    let output = cojudge(&url, &["import", file.to_str().unwrap(), "--task", "tag"]);

    assert_eq!(output.status.code(), Some(2));
    assert!(
        stdout(&output).contains("3 inserted, 0 replaced, 1 unchanged, 1 conflicting"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains(&format!("{}:5: external_id", file.display())),
        "{}",
        stderr(&output)
    );
    assert_eq!(count(&pool, "items").await, 3);
}
