//! Running one export: read the verdicts in one `REPEATABLE READ` transaction, stream them to a
//! blocking writer thread (the shape and the file format), and write the manifest. Memory stays
//! flat whatever the size: rows travel in small batches and only judge-sft's rebalancing keeps
//! a list of candidate ids.

use super::columns::Schema;
use super::files::{FileEntry, FileSet};
use super::manifest::{column_entries, DistributionCounter, LabelDistribution, Manifest};
use super::prompt::generator_system;
use super::rebalance::{rebalance, RebalanceReport};
use super::shapes::{self, Grouped, Output, Shape};
use app::db::export_source::{self, Extras, Selection, Verdict};
use app::domain::{ExportShape, ExportSpec, TaskDefinition, EXPORT_SCHEMA_VERSION};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::FromRow;
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tokio::sync::{mpsc, watch};

/// Rows per batch sent to the writer thread.
const BATCH_ROWS: usize = 512;
/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";

/// One export to run.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// The export's id (its snapshot id).
    pub snapshot: i64,
    pub spec: ExportSpec,
    pub as_of: DateTime<Utc>,
    /// Where the files go; it must exist.
    pub dir: PathBuf,
}

/// How far an export is: verdicts read of those selected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub read: u64,
    pub expected: u64,
}

/// The task's rubric versions.
struct TaskRubrics {
    id: i64,
    current_version: i32,
    rubrics: BTreeMap<i32, TaskDefinition>,
}

impl TaskRubrics {
    fn current(&self) -> &TaskDefinition {
        &self.rubrics[&self.current_version]
    }

    /// Every criterion of every version: the current ones in rubric order, then older ones.
    fn criteria(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let current = std::iter::once(self.current());
        for task in current.chain(self.rubrics.values().rev()) {
            for criterion in &task.criteria {
                if !names.contains(&criterion.name) {
                    names.push(criterion.name.clone());
                }
            }
        }
        names
    }
}

async fn load_task(tx: &mut Transaction<'_, Postgres>, name: &str) -> anyhow::Result<TaskRubrics> {
    let task = export_source::task_versions(tx, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no task named `{name}`"))?;
    Ok(TaskRubrics {
        id: task.id,
        current_version: task.current_version,
        rubrics: task.versions.into_iter().collect(),
    })
}

fn build_shape(spec: &ExportSpec, task: &TaskRubrics) -> Box<dyn Shape> {
    let system = || generator_system(task.current());
    match spec.shape {
        ExportShape::Verdicts => {
            Box::new(shapes::verdicts::Verdicts::new(&spec.task, task.criteria()))
        }
        ExportShape::Sft => Box::new(shapes::sft::Sft::new(system())),
        ExportShape::Preference => Box::new(Grouped::new(shapes::preference::Preference::new(
            system(),
            spec.max_pairs_per_context,
        ))),
        ExportShape::Listwise => Box::new(Grouped::new(shapes::listwise::Listwise::new(system()))),
        ExportShape::JudgeSft => Box::new(shapes::judge_sft::JudgeSft::new(
            task.rubrics.clone(),
            task.criteria(),
        )),
    }
}

/// What the writer thread receives: batches, then `End` if every row was read.
enum Message {
    Rows(Vec<PgRow>),
    End,
}

/// What the writer thread returns.
struct Written {
    files: Vec<FileEntry>,
    distribution: LabelDistribution,
    schema: Schema,
}

fn write_rows(
    mut shape: Box<dyn Shape>,
    mut out: Output,
    mut receiver: mpsc::Receiver<Message>,
) -> anyhow::Result<Written> {
    loop {
        match receiver.blocking_recv() {
            Some(Message::Rows(rows)) => {
                for row in &rows {
                    shape.push(&Verdict::from_row(row)?, &mut out)?;
                }
            }
            Some(Message::End) => break,
            // The reading side failed: drop the files (their partial names are removed).
            None => anyhow::bail!("the export stopped before every row was read"),
        }
    }
    shape.finish(&mut out)?;
    Ok(Written {
        files: out.files.finish()?,
        distribution: out.distribution.finish()?,
        schema: shape.schema().clone(),
    })
}

/// Runs the export into `request.dir` and returns its manifest (also written there).
pub async fn run(
    pool: &PgPool,
    request: &ExportRequest,
    progress: &watch::Sender<Progress>,
) -> anyhow::Result<Manifest> {
    let spec = &request.spec;
    if let Err(errors) = spec.validate() {
        let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::bail!("the export is not valid: {}", problems.join("; "));
    }
    let mut tx = export_source::snapshot(pool).await?;
    let task = load_task(&mut tx, &spec.task).await?;
    let mut selection = Selection {
        task_id: task.id,
        as_of: request.as_of,
        filters: &spec.filters,
        human_only: spec.shape == ExportShape::JudgeSft,
        items: None,
    };
    let mut rebalanced: Option<(Vec<i64>, RebalanceReport)> = None;
    if let (ExportShape::JudgeSft, Some(settings)) = (spec.shape, &spec.rebalance) {
        let candidates = selection
            .labelled_items(&mut tx, settings.augment_minority)
            .await?;
        rebalanced = Some(rebalance(&candidates, settings, request.as_of));
    }
    if let Some((ids, _)) = &rebalanced {
        selection.items = Some(ids);
    }
    let expected = selection.count(&mut tx).await? as u64;
    progress.send_replace(Progress { read: 0, expected });

    let shape = build_shape(spec, &task);
    let files = FileSet::create(
        &request.dir,
        &spec.file_stem(),
        spec.format,
        shape.schema(),
        spec.validation_fraction > 0.0,
    )?;
    let out = Output {
        files,
        distribution: DistributionCounter::default(),
        validation_fraction: spec.validation_fraction,
    };
    let (sender, receiver) = mpsc::channel(4);
    let writer = tokio::task::spawn_blocking(move || write_rows(shape, out, receiver));

    let extras = Extras {
        context_key: spec.shape.groups_by_context(),
        rationale: spec.shape == ExportShape::JudgeSft,
    };
    let sql = Selection::verdict_sql(extras);
    let read = stream_rows(&mut tx, &selection, &sql, &sender, progress, expected).await;
    if read.is_ok() {
        let _ = sender.send(Message::End).await;
    }
    drop(sender);
    let written = writer.await?;
    read?;
    let written = written?;
    tx.commit().await?;

    let manifest = Manifest {
        schema_version: EXPORT_SCHEMA_VERSION,
        cojudge_version: env!("CARGO_PKG_VERSION").into(),
        snapshot: request.snapshot,
        task: spec.task.clone(),
        current_rubric_version: task.current_version,
        as_of: request.as_of,
        spec: spec.clone(),
        rows: written.files.iter().map(|file| file.rows).sum(),
        files: written.files,
        columns: column_entries(&written.schema),
        label_distribution: written.distribution,
        rebalance: rebalanced.map(|(_, report)| report),
    };
    write_manifest(&request.dir, &manifest)?;
    Ok(manifest)
}

async fn stream_rows(
    tx: &mut Transaction<'_, Postgres>,
    selection: &Selection<'_>,
    sql: &str,
    sender: &mpsc::Sender<Message>,
    progress: &watch::Sender<Progress>,
    expected: u64,
) -> anyhow::Result<()> {
    let mut rows = selection.verdicts(sql).fetch(&mut **tx);
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut read = 0u64;
    while let Some(row) = rows.try_next().await? {
        batch.push(row);
        if batch.len() == BATCH_ROWS {
            read += batch.len() as u64;
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            if sender.send(Message::Rows(full)).await.is_err() {
                // The writer failed; its error is the one to report.
                return Ok(());
            }
            progress.send_replace(Progress { read, expected });
        }
    }
    read += batch.len() as u64;
    if !batch.is_empty() {
        let _ = sender.send(Message::Rows(batch)).await;
    }
    progress.send_replace(Progress { read, expected });
    Ok(())
}

/// Writes `manifest.json` beside the files (under a temporary name first).
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let partial = dir.join(format!(".{MANIFEST_FILE}.partial"));
    let mut text = serde_json::to_vec_pretty(manifest)?;
    text.push(b'\n');
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, dir.join(MANIFEST_FILE))?;
    Ok(())
}
