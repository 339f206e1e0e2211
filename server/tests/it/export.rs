//! Exports on a seeded task with known answers (see `export_support`): every shape and format,
//! filters, the split, rebalancing, snapshot reproduction by the CLI, and export jobs over the
//! REST API with role checks.

use crate::export_support::{self as support, seed, ROWS};
use crate::harness::{cojudge, migrated_pool, spawn_app, stderr, stdout};
use app::domain::{
    ExportFilters, ExportFormat, ExportShape, ExportSpec, ProvenanceFilter, Rebalance, Role,
};
use chrono::{DateTime, Utc};
use cojudge::export::{self, ExportRequest, Manifest, Progress};
use serde_json::Value;
use sqlx::PgPool;
use std::collections::BTreeSet;
use std::path::Path;

pub fn spec(shape: ExportShape, format: ExportFormat) -> ExportSpec {
    ExportSpec {
        task: "interest".into(),
        shape,
        format,
        filters: ExportFilters::default(),
        validation_fraction: 0.0,
        max_pairs_per_context: None,
        rebalance: None,
    }
}

pub async fn run(pool: &PgPool, spec: &ExportSpec, dir: &Path) -> Manifest {
    try_run(pool, spec, dir, Utc::now()).await.unwrap()
}

async fn try_run(
    pool: &PgPool,
    spec: &ExportSpec,
    dir: &Path,
    as_of: DateTime<Utc>,
) -> anyhow::Result<Manifest> {
    let request = ExportRequest {
        snapshot: 0,
        spec: spec.clone(),
        as_of,
        dir: dir.to_path_buf(),
    };
    let (progress, _) = tokio::sync::watch::channel(Progress::default());
    export::run(pool, &request, &progress).await
}

/// The rows of a JSON Lines file.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

async fn jsonl_rows(pool: &PgPool, spec: &ExportSpec) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let manifest = run(pool, spec, dir.path()).await;
    assert_eq!(manifest.files.len(), 1);
    read_jsonl(&dir.path().join(&manifest.files[0].name))
}

fn texts(rows: &[Value], field: &str) -> Vec<String> {
    rows.iter()
        .map(|row| row[field].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_verdicts_shape_has_one_row_per_item_with_its_provenance() {
    let (pool, _) = migrated_pool().await;
    seed(&pool).await;
    let rows = jsonl_rows(&pool, &spec(ExportShape::Verdicts, ExportFormat::Jsonl)).await;
    assert_eq!(
        texts(&rows, "external_id"),
        ["a1", "a2", "a3", "b1", "b2", "c1", "d1", "d2"]
    );
    for (row, expected) in rows.iter().zip(&ROWS) {
        assert_eq!(row["qualified"], expected.qualified);
        assert_eq!(row["grade"], expected.grade);
        assert_eq!(row["provenance"], expected.provenance);
        assert_eq!(row["judge_confidence"], expected.confidence);
        assert_eq!(row["generator_version"], expected.generator);
        assert_eq!(row["labels"], support::labels(expected.qualified));
        assert_eq!(row["context"], support::context(expected.context));
        assert_eq!(row["output"], support::output(expected.name));
        assert_eq!(row["task"], "interest");
        assert_eq!(row["judge_model"], "judge-model");
        assert_eq!(
            row["human_annotations"],
            if expected.provenance == "judge" { 0 } else { 1 }
        );
    }
    assert_eq!(rows[0]["decided_at"], "2026-10-01T12:00:00.000000Z");
}

#[tokio::test]
async fn sft_keeps_qualified_items_as_chat_examples() {
    let (pool, _) = migrated_pool().await;
    seed(&pool).await;
    let rows = jsonl_rows(&pool, &spec(ExportShape::Sft, ExportFormat::Jsonl)).await;
    assert_eq!(texts(&rows, "external_id"), ["a1", "a2", "b1", "b2"]);
    let messages = rows[0]["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant"]);
    assert!(messages[0]["content"]
        .as_str()
        .unwrap()
        .contains("JSON Schema"));
    let context: Value = serde_json::from_str(messages[1]["content"].as_str().unwrap()).unwrap();
    assert_eq!(context, support::context('A'));
    let output: Value = serde_json::from_str(messages[2]["content"].as_str().unwrap()).unwrap();
    assert_eq!(output, support::output("a1"));
}

#[tokio::test]
async fn preference_pairs_qualified_and_unqualified_outputs_of_one_context() {
    let (pool, _) = migrated_pool().await;
    seed(&pool).await;
    let rows = jsonl_rows(&pool, &spec(ExportShape::Preference, ExportFormat::Jsonl)).await;
    let pairs: Vec<(String, String)> = rows
        .iter()
        .map(|row| {
            (
                row["chosen_external_id"].as_str().unwrap().into(),
                row["rejected_external_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    // Only context A has both; the S output is chosen first.
    assert_eq!(
        pairs,
        [("a1".into(), "a3".into()), ("a2".into(), "a3".into())]
    );
    let chosen: Value =
        serde_json::from_str(rows[0]["chosen"][0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(chosen, support::output("a1"));
    assert_eq!(rows[0]["chosen"][0]["role"], "assistant");
    assert_eq!(rows[0]["prompt"].as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["context_key"], rows[1]["context_key"]);

    let mut capped = spec(ExportShape::Preference, ExportFormat::Jsonl);
    capped.max_pairs_per_context = Some(1);
    let rows = jsonl_rows(&pool, &capped).await;
    assert_eq!(texts(&rows, "chosen_external_id"), ["a1"]);
}

#[tokio::test]
async fn listwise_ranks_the_outputs_of_each_context_s_over_a_over_b() {
    let (pool, _) = migrated_pool().await;
    seed(&pool).await;
    let rows = jsonl_rows(&pool, &spec(ExportShape::Listwise, ExportFormat::Jsonl)).await;
    let mut lists: Vec<Vec<(String, i64)>> = rows
        .iter()
        .map(|row| {
            row["responses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["external_id"].as_str().unwrap().to_string(),
                        r["rank"].as_i64().unwrap(),
                    )
                })
                .collect()
        })
        .collect();
    lists.sort();
    // C has one output only: no list.
    let expected: Vec<Vec<(String, i64)>> = vec![
        vec![("a1".into(), 1), ("a2".into(), 2), ("a3".into(), 3)],
        vec![("b2".into(), 1), ("b1".into(), 2)],
        vec![("d1".into(), 1), ("d2".into(), 1)],
    ];
    assert_eq!(lists, expected);
    assert!(rows
        .iter()
        .all(|row| row["size"] == row["responses"].as_array().unwrap().len()));
}

#[tokio::test]
async fn judge_sft_turns_human_verdicts_into_the_judges_answer() {
    let (pool, _) = migrated_pool().await;
    seed(&pool).await;
    let rows = jsonl_rows(&pool, &spec(ExportShape::JudgeSft, ExportFormat::Jsonl)).await;
    assert_eq!(texts(&rows, "external_id"), ["a1", "a3", "b2", "c1"]);
    let a3 = &rows[1];
    let messages = a3["messages"].as_array().unwrap();
    assert!(messages[0]["content"]
        .as_str()
        .unwrap()
        .contains("reasonableness"));
    assert!(messages[1]["content"]
        .as_str()
        .unwrap()
        .contains("tennis a3"));
    let answer = messages[2]["content"].as_str().unwrap();
    assert!(
        answer.starts_with(
            r#"{"criteria":{"willingness":{"rationale":"weak evidence","label":"pass"}"#
        ),
        "{answer}"
    );
    let parsed: Value = serde_json::from_str(answer).unwrap();
    assert_eq!(parsed["criteria"]["reasonableness"]["label"], "fail");
    assert_eq!(a3["prompt_version"].as_str().unwrap().len(), 17);
    assert_eq!(a3["criterion"], Value::Null);
}

async fn ids_with(pool: &PgPool, filters: ExportFilters) -> Vec<String> {
    let mut asked = spec(ExportShape::Verdicts, ExportFormat::Jsonl);
    asked.filters = filters;
    texts(&jsonl_rows(pool, &asked).await, "external_id")
}

fn time(text: &str) -> Option<DateTime<Utc>> {
    Some(text.parse().unwrap())
}

#[tokio::test]
async fn filters_select_the_verdicts_asked_for() {
    let (pool, _) = migrated_pool().await;
    seed(&pool).await;
    let none = ExportFilters::default;
    let cases: Vec<(ExportFilters, Vec<&str>)> = vec![
        (
            ExportFilters {
                provenance: ProvenanceFilter::Human,
                ..none()
            },
            vec!["a1", "a3", "b2", "c1"],
        ),
        (
            ExportFilters {
                provenance: ProvenanceFilter::Judge,
                ..none()
            },
            vec!["a2", "b1", "d1", "d2"],
        ),
        (
            ExportFilters {
                min_judge_confidence: Some(0.92),
                ..none()
            },
            vec!["a2", "d1", "d2"],
        ),
        (
            ExportFilters {
                generator_version: Some("v1".into()),
                ..none()
            },
            vec!["a1", "a2", "a3"],
        ),
        (
            ExportFilters {
                batch: Some("b2".into()),
                ..none()
            },
            vec!["d1", "d2"],
        ),
        (
            ExportFilters {
                until: time("2026-11-01T00:00:00Z"),
                ..none()
            },
            vec!["a1"],
        ),
        (
            ExportFilters {
                since: time("2026-11-01T00:00:00Z"),
                ..none()
            },
            vec!["a2", "a3", "b1", "b2", "c1", "d1", "d2"],
        ),
        (
            ExportFilters {
                rubric_version: Some(2),
                ..none()
            },
            vec![],
        ),
        (
            ExportFilters {
                provenance: ProvenanceFilter::Judge,
                batch: Some("b1".into()),
                ..none()
            },
            vec!["a2", "b1"],
        ),
    ];
    for (filters, expected) in cases {
        let described = format!("{filters:?}");
        assert_eq!(ids_with(&pool, filters).await, expected, "{described}");
    }
}

#[tokio::test]
async fn every_format_holds_the_same_rows_and_parquet_has_typed_columns() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let (pool, _) = migrated_pool().await;
    seed(&pool).await;
    for shape in ExportShape::ALL {
        let jsonl = jsonl_rows(&pool, &spec(shape, ExportFormat::Jsonl)).await;
        let dir = tempfile::tempdir().unwrap();
        let manifest = run(&pool, &spec(shape, ExportFormat::Csv), dir.path()).await;
        let mut csv = csv::Reader::from_path(dir.path().join(&manifest.files[0].name)).unwrap();
        let headers: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
        let columns: Vec<&str> = manifest.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(headers, columns, "{shape}");
        assert_eq!(csv.records().count(), jsonl.len(), "{shape}");

        let dir = tempfile::tempdir().unwrap();
        let manifest = run(&pool, &spec(shape, ExportFormat::Parquet), dir.path()).await;
        let file = std::fs::File::open(dir.path().join(&manifest.files[0].name)).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let rows: i64 = reader.metadata().file_metadata().num_rows();
        assert_eq!(rows as usize, jsonl.len(), "{shape}");
        assert_eq!(manifest.rows as usize, jsonl.len(), "{shape}");
    }
    let dir = tempfile::tempdir().unwrap();
    let manifest = run(
        &pool,
        &spec(ExportShape::Verdicts, ExportFormat::Parquet),
        dir.path(),
    )
    .await;
    let file = std::fs::File::open(dir.path().join(&manifest.files[0].name)).unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema = reader.schema().clone();
    let type_of = |name: &str| {
        schema
            .field_with_name(name)
            .unwrap()
            .data_type()
            .to_string()
    };
    assert_eq!(type_of("item_id"), "Int64");
    assert_eq!(type_of("qualified"), "Boolean");
    assert_eq!(type_of("judge_confidence"), "Float64");
    assert_eq!(type_of("decided_at"), "Timestamp(µs, \"UTC\")");
    assert!(
        type_of("labels").contains("willingness"),
        "{}",
        type_of("labels")
    );
    let batches: Vec<_> = reader.build().unwrap().collect::<Result<_, _>>().unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 8);
}

#[tokio::test]
async fn the_split_is_by_item_and_stable_across_exports() {
    let (pool, _) = migrated_pool().await;
    let seeded = seed(&pool).await;
    for n in 0..200 {
        support::insert(&pool, &seeded, &ROWS[n % 8], &format!("extra-{n}")).await;
    }
    let validation_of = |fraction: f64| {
        let pool = pool.clone();
        async move {
            let mut asked = spec(ExportShape::Verdicts, ExportFormat::Jsonl);
            asked.validation_fraction = fraction;
            let dir = tempfile::tempdir().unwrap();
            let manifest = run(&pool, &asked, dir.path()).await;
            assert_eq!(manifest.files.len(), 2);
            assert_eq!(manifest.files.iter().map(|f| f.rows).sum::<u64>(), 208);
            let file = manifest
                .files
                .iter()
                .find(|f| f.name.contains(".validation."))
                .unwrap();
            let ids: BTreeSet<String> =
                texts(&read_jsonl(&dir.path().join(&file.name)), "external_id")
                    .into_iter()
                    .collect();
            ids
        }
    };
    let small = validation_of(0.2).await;
    assert!((20..=65).contains(&small.len()), "{}", small.len());
    assert_eq!(validation_of(0.2).await, small);
    // A larger fraction only adds items to validation.
    assert!(small.is_subset(&validation_of(0.4).await));
}

#[tokio::test]
async fn judge_sft_rebalancing_augments_and_downsamples_by_seed() {
    let (pool, _) = migrated_pool().await;
    let seeded = seed(&pool).await;
    // Window (since 2026-11-01), generator "rb": 30 qualified and 5 unqualified human labels;
    // before it, 10 unqualified ones.
    let human = |qualified: bool, decided_at: &'static str| support::Row {
        decided_at,
        generator: "rb",
        ..support::Row {
            name: "rb",
            context: 'R',
            qualified,
            grade: if qualified { "A" } else { "B" },
            provenance: "human",
            confidence: 0.5,
            generator: "rb",
            batch: "b1",
            decided_at,
        }
    };
    for n in 0..30 {
        support::insert(
            &pool,
            &seeded,
            &human(true, "2026-11-20T00:00:00Z"),
            &format!("q{n}"),
        )
        .await;
    }
    for n in 0..5 {
        support::insert(
            &pool,
            &seeded,
            &human(false, "2026-11-20T00:00:00Z"),
            &format!("n{n}"),
        )
        .await;
    }
    for n in 0..10 {
        support::insert(
            &pool,
            &seeded,
            &human(false, "2026-09-01T00:00:00Z"),
            &format!("old{n}"),
        )
        .await;
    }
    let rebalanced = |augment: bool, downsample: bool, seed: u64| {
        let mut asked = spec(ExportShape::JudgeSft, ExportFormat::Jsonl);
        asked.filters.generator_version = Some("rb".into());
        asked.filters.since = time("2026-11-01T00:00:00Z");
        asked.rebalance = Some(Rebalance {
            target_minority_share: 0.25,
            augment_minority: augment,
            downsample_majority: downsample,
            half_life_days: 30.0,
            seed,
        });
        asked
    };
    let dir = tempfile::tempdir().unwrap();
    let manifest = run(&pool, &rebalanced(true, true, 1), dir.path()).await;
    let report = manifest.rebalance.clone().unwrap();
    assert_eq!((report.augmented, report.majority_kept), (5, 30));
    assert_eq!(manifest.rows, 40);
    assert_eq!(manifest.label_distribution.not_qualified, 10);

    let kept = |seed: u64| {
        let pool = pool.clone();
        let asked = rebalanced(false, true, seed);
        async move {
            let rows = jsonl_rows(&pool, &asked).await;
            texts(&rows, "external_id")
        }
    };
    let first = kept(1).await;
    assert_eq!(first.len(), 5 + 15);
    assert_eq!(kept(1).await, first);
    assert_ne!(kept(2).await, first);
}

#[tokio::test]
async fn a_snapshot_reproduces_byte_identical_files_until_its_verdicts_change() {
    let (pool, url) = migrated_pool().await;
    let seeded = seed(&pool).await;
    let out = tempfile::tempdir().unwrap();
    let dir = |name: &str| out.path().join(name).to_string_lossy().into_owned();
    let first = cojudge(
        &url,
        &[
            "export",
            "--task",
            "interest",
            "--shape",
            "verdicts",
            "--format",
            "parquet",
            "--out",
            &dir("first"),
        ],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(out.path().join("first/manifest.json")).unwrap())
            .unwrap();
    let id = manifest.snapshot.to_string();
    assert!(
        stdout(&first).contains(&format!("--snapshot {id}")),
        "{}",
        stdout(&first)
    );

    // A verdict given after the snapshot does not change it.
    support::insert(&pool, &seeded, &ROWS[0], "later").await;
    sqlx::query("UPDATE verdicts SET updated_at = now() + interval '1 minute' WHERE item_id = (SELECT id FROM items WHERE external_id = 'later')")
        .execute(&pool)
        .await
        .unwrap();
    let again = cojudge(&url, &["export", "--snapshot", &id, "--out", &dir("again")]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stdout(&again).contains("byte-identical"));
    let name = &manifest.files[0].name;
    assert_eq!(
        std::fs::read(out.path().join("first").join(name)).unwrap(),
        std::fs::read(out.path().join("again").join(name)).unwrap()
    );

    // Changing a verdict the snapshot read is detected.
    sqlx::query("UPDATE verdicts SET grade = 'A' WHERE item_id = (SELECT id FROM items WHERE external_id = 'a1')")
        .execute(&pool)
        .await
        .unwrap();
    let changed = cojudge(
        &url,
        &["export", "--snapshot", &id, "--out", &dir("changed")],
    );
    assert!(!changed.status.success());
    assert!(
        stderr(&changed).contains("did not reproduce"),
        "{}",
        stderr(&changed)
    );

    // The CLI refuses to overwrite, and names what is wrong with its options.
    let twice = cojudge(
        &url,
        &[
            "export",
            "--task",
            "interest",
            "--shape",
            "verdicts",
            "--format",
            "parquet",
            "--out",
            &dir("first"),
        ],
    );
    assert!(stderr(&twice).contains("--force"), "{}", stderr(&twice));
    let bad = cojudge(
        &url,
        &[
            "export",
            "--task",
            "interest",
            "--shape",
            "sft",
            "--validation-fraction",
            "0.9",
            "--out",
            &dir("bad"),
        ],
    );
    assert!(
        stderr(&bad).contains("validation_fraction: must be between 0 and 0.5"),
        "{}",
        stderr(&bad)
    );
    let unknown = cojudge(
        &url,
        &[
            "export",
            "--task",
            "nope",
            "--shape",
            "sft",
            "--out",
            &dir("unknown"),
        ],
    );
    assert!(
        stderr(&unknown).contains("no task named `nope`"),
        "{}",
        stderr(&unknown)
    );
}

#[tokio::test]
async fn export_jobs_run_in_the_background_and_are_downloaded_over_rest() {
    use sha2::{Digest, Sha256};
    let app = spawn_app().await;
    seed(&app.pool).await;
    let token = app.api_token("trainer-bot", Role::Trainer).await;
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", app.address);

    let started = client
        .post(api("/exports"))
        .bearer_auth(&token)
        .json(&spec(ExportShape::Sft, ExportFormat::Parquet))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 202);
    let record: Value = started.json().await.unwrap();
    let id = record["id"].as_i64().unwrap();
    assert_eq!(record["origin"], "api");
    assert_eq!(record["requested_by"], "trainer-bot");

    assert_eq!(app.run_export_jobs().await, 1);
    let done: Value = client
        .get(api(&format!("/exports/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["rows_written"], 4);
    let file = &done["files"][0];
    let name = file["name"].as_str().unwrap();
    let download = client
        .get(api(&format!("/exports/{id}/files/{name}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.headers()["content-type"],
        "application/vnd.apache.parquet"
    );
    let bytes = download.bytes().await.unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&bytes)),
        file["sha256"].as_str().unwrap()
    );
    assert_eq!(done["manifest"]["label_distribution"]["qualified"], 4);

    // Listing, bad specs, unknown exports and files, and who may do what.
    let listed: Value = client
        .get(api("/exports?task=interest"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], id);
    let mut bad = spec(ExportShape::Sft, ExportFormat::Csv);
    bad.validation_fraction = 2.0;
    let refused = client
        .post(api("/exports"))
        .bearer_auth(&token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("validation_fraction"),
        "{body}"
    );
    let garbled = client
        .post(api("/exports"))
        .bearer_auth(&token)
        .body("{\"task\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status(), 400);
    let mut unknown_task = spec(ExportShape::Sft, ExportFormat::Csv);
    unknown_task.task = "nope".into();
    assert_eq!(
        client
            .post(api("/exports"))
            .bearer_auth(&token)
            .json(&unknown_task)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client
            .get(api("/exports/999999"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client
            .get(api(&format!("/exports/{id}/files/..%2Fmanifest.json")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client.get(api("/exports")).send().await.unwrap().status(),
        401
    );

    // Signed-in people: trainers download through the page's link; annotators may not export.
    let annotator = app.signed_in(Role::Annotator).await.client;
    let link = format!("{}/exports/{id}/files/{name}", app.address);
    assert_eq!(annotator.get(&link).send().await.unwrap().status(), 403);
    let start = app.call(&annotator, "exports/list").await;
    assert_eq!(start.status(), 403);
    let trainer = app.signed_in(Role::Trainer).await.client;
    let downloaded = trainer.get(&link).send().await.unwrap();
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.bytes().await.unwrap(), bytes);
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 401);
}

/// The Python with pyarrow, datasets and pandas (scripts/test installs it).
fn export_python() -> std::path::PathBuf {
    let python = std::env::var_os("COJUDGE_EXPORT_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| crate::harness::workspace_target().join("export-venv/bin/python"));
    assert!(
        python.exists(),
        "{} is missing: run scripts/test, which installs pyarrow, datasets and pandas into \
         target/export-venv (or set COJUDGE_EXPORT_PYTHON)",
        python.display()
    );
    python
}

#[tokio::test]
async fn exports_load_in_pyarrow_pandas_and_hugging_face_datasets() {
    let (pool, _) = migrated_pool().await;
    seed(&pool).await;
    let out = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for shape in ExportShape::ALL {
        for format in ExportFormat::ALL {
            let dir = out.path().join(format!("{shape}-{format}"));
            std::fs::create_dir(&dir).unwrap();
            let mut asked = spec(shape, format);
            // Two files each (train and validation) for the shapes with enough rows.
            if matches!(shape, ExportShape::Verdicts | ExportShape::JudgeSft) {
                asked.validation_fraction = 0.5;
            }
            run(&pool, &asked, &dir).await;
            dirs.push(dir);
        }
    }
    let script = crate::harness::workspace_target().join("../scripts/check-export.py");
    let checked = std::process::Command::new(export_python())
        .arg(script)
        .args(&dirs)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    // Every file of every shape and format was read.
    assert!(
        report.lines().filter(|l| l.starts_with("ok ")).count() >= 15,
        "{report}"
    );
}
