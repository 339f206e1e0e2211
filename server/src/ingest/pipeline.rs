//! Runs an import: a blocking reader thread parses, checks and encodes lines; the async writer
//! merges each batch; the report is assembled at the end.

use super::lines::{read_csv, read_json_lines, RawLine};
use super::report::{Conflict, ImportReport, LineError};
use super::rules::TaskRules;
use super::source::{Format, Source};
use super::staged::{initial_state, RowEncoder};
use app::db::audit::Actor;
use app::db::import_writer::{BatchOutcome, StagedBatch, Writer};
use sqlx::PgPool;
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What to do with invalid lines.
pub enum InvalidLinePolicy {
    /// Import nothing if any line is invalid.
    AllOrNothing,
    /// Import the valid lines; write each rejected line verbatim to `rejects` and its errors to
    /// `errors` (`FILE:LINE: field: message`), when given.
    Skip {
        rejects: Option<Box<dyn Write + Send>>,
        errors: Option<Box<dyn Write + Send>>,
    },
}

pub struct ImportOptions {
    pub task: String,
    /// The batch of lines that name none.
    pub default_batch: Option<String>,
    pub invalid_lines: InvalidLinePolicy,
    /// Replace conflicting items that no human has touched.
    pub replace: bool,
    /// Who imports, for the audit log.
    pub actor: Actor,
    /// Lines per database batch.
    pub batch_size: usize,
    /// How many errors and conflicts the report lists (all are counted).
    pub max_listed: usize,
    /// Lines read so far, for progress displays.
    pub lines_read: Arc<AtomicU64>,
}

impl ImportOptions {
    pub fn new(task: &str, actor: Actor) -> ImportOptions {
        ImportOptions {
            task: task.to_string(),
            default_batch: None,
            invalid_lines: InvalidLinePolicy::AllOrNothing,
            replace: false,
            actor,
            batch_size: 5_000,
            max_listed: 20,
            lines_read: Arc::default(),
        }
    }
}

/// Why an import could not run at all (invalid lines are not errors: the report lists them).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("there is no task called `{0}`")]
    UnknownTask(String),
    #[error("{0}")]
    BrokenTask(String),
    #[error("reading {source_name}: {error}")]
    Read {
        source_name: String,
        error: std::io::Error,
    },
    #[error("writing the rejects file: {0}")]
    Rejects(std::io::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What the reader thread found, besides the rows it sent.
#[derive(Default)]
struct ReaderOutcome {
    /// Sequence number of the next valid line.
    next_seq: u64,
    lines: u64,
    invalid: u64,
    errors: Vec<LineError>,
    /// Repeats of an external id within one batch, with identical content.
    repeated_unchanged: u64,
    /// Repeats of an external id within one batch, with other content.
    repeated_conflicts: u64,
    repeated_conflict_examples: Vec<Conflict>,
}

/// Imports `sources` into the task named in `options`, in one transaction.
pub async fn import(
    pool: &PgPool,
    sources: Vec<Source>,
    mut options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    let (task_id, rubric_version, definition) =
        app::db::tasks::current_definition(pool, &options.task)
            .await?
            .ok_or_else(|| ImportError::UnknownTask(options.task.clone()))?;
    let rules = TaskRules::new(definition).map_err(ImportError::BrokenTask)?;
    let skip_invalid = matches!(options.invalid_lines, InvalidLinePolicy::Skip { .. });
    let policy = std::mem::replace(&mut options.invalid_lines, InvalidLinePolicy::AllOrNothing);
    let mut writer = Writer::begin(pool, task_id, rubric_version, options.replace).await?;

    let (sender, mut receiver) = mpsc::channel::<StagedBatch>(2);
    let reader = LineReader {
        rules,
        task_id,
        policy,
        skip_invalid,
        default_batch: options.default_batch.clone(),
        batch_size: options.batch_size.max(1),
        max_listed: options.max_listed,
        lines_read: options.lines_read.clone(),
        sender,
        outcome: ReaderOutcome::default(),
        batch: StagedBatch::default(),
        encoder: RowEncoder::default(),
        batch_ids: HashMap::new(),
        stopped: false,
    };
    let reading = tokio::task::spawn_blocking(move || reader.read_all(sources));

    let mut report = ImportReport {
        task: options.task.clone(),
        ..ImportReport::default()
    };
    let mut write_error = None;
    while let Some(mut batch) = receiver.recv().await {
        let (first_seq, lines) = (batch.first_seq, std::mem::take(&mut batch.lines));
        match writer.write(batch).await {
            Ok(outcome) => add_batch(&mut report, outcome, first_seq, &lines, options.max_listed),
            Err(error) => {
                write_error = Some(error);
                break;
            }
        }
    }
    drop(receiver);
    let read = reading.await.expect("the import reader does not panic");
    let read = match (write_error, read) {
        (Some(error), _) => {
            let _ = writer.rollback().await;
            return Err(error.into());
        }
        (None, Err(error)) => {
            let _ = writer.rollback().await;
            return Err(error);
        }
        (None, Ok(read)) => read,
    };

    add_reading(&mut report, read, options.max_listed);
    if report.invalid > 0 && !skip_invalid {
        writer.rollback().await?;
        report.inserted = 0;
        report.replaced = 0;
        report.queued_for_judge = 0;
        report.routed_to_humans = 0;
        report.auto_accepted = 0;
    } else {
        let details = serde_json::json!({
            "lines": report.lines, "inserted": report.inserted, "replaced": report.replaced,
            "unchanged": report.unchanged, "conflicts": report.conflicts, "invalid": report.invalid,
        });
        writer
            .commit(options.actor.clone(), details, report.queued_for_judge > 0)
            .await?;
        report.committed = true;
    }
    Ok(report)
}

/// Adds what the writer did with one batch to the report.
fn add_batch(
    report: &mut ImportReport,
    outcome: BatchOutcome,
    first_seq: u64,
    lines: &[(Arc<str>, u64)],
    max_listed: usize,
) {
    report.inserted += outcome.inserted;
    report.replaced += outcome.replaced;
    report.unchanged += outcome.unchanged.len() as u64;
    report.queued_for_judge += outcome.queued_for_judge;
    report.routed_to_humans += outcome.routed_to_humans;
    report.auto_accepted += outcome.auto_accepted;
    report.conflicts += outcome.conflicts.len() as u64;
    for (seq, external_id) in outcome.conflicts {
        if report.conflict_examples.len() >= max_listed {
            break;
        }
        let (source, line) = lines
            .get((seq as u64 - first_seq) as usize)
            .cloned()
            .unwrap_or_else(|| (Arc::from(""), 0));
        report.conflict_examples.push(Conflict {
            source: source.to_string(),
            line,
            external_id,
        });
    }
}

/// Adds what the reader found (lines, invalid lines, repeats within a batch) to the report.
fn add_reading(report: &mut ImportReport, read: ReaderOutcome, max_listed: usize) {
    report.lines = read.lines;
    report.invalid = read.invalid;
    report.errors = read.errors;
    report.unchanged += read.repeated_unchanged;
    report.conflicts += read.repeated_conflicts;
    report
        .conflict_examples
        .extend(read.repeated_conflict_examples);
    report
        .conflict_examples
        .sort_by(|a, b| (&a.source, a.line).cmp(&(&b.source, b.line)));
    report.conflict_examples.truncate(max_listed);
}

/// The reader thread's state: parses, checks and batches lines, and sets aside invalid ones.
struct LineReader {
    rules: TaskRules,
    task_id: i64,
    policy: InvalidLinePolicy,
    skip_invalid: bool,
    default_batch: Option<String>,
    batch_size: usize,
    max_listed: usize,
    lines_read: Arc<AtomicU64>,
    sender: mpsc::Sender<StagedBatch>,
    outcome: ReaderOutcome,
    batch: StagedBatch,
    encoder: RowEncoder,
    /// External ids in the current batch, with their content hashes.
    batch_ids: HashMap<String, [u8; 32]>,
    /// No more rows are sent: a line was invalid under all-or-nothing, or the writer stopped.
    stopped: bool,
}

impl LineReader {
    fn read_all(mut self, sources: Vec<Source>) -> Result<ReaderOutcome, ImportError> {
        for source in sources {
            let name: Arc<str> = Arc::from(source.name.as_str());
            match source.format {
                Format::Jsonl => {
                    read_json_lines(source.reader, &name, &mut |line| self.take(&name, line))?
                }
                Format::Csv => read_csv(source.reader, &name, &mut |line| self.take(&name, line))?,
            }
        }
        self.flush();
        if let InvalidLinePolicy::Skip { rejects, errors } = &mut self.policy {
            for file in [rejects, errors].into_iter().flatten() {
                file.flush().map_err(ImportError::Rejects)?;
            }
        }
        Ok(self.outcome)
    }

    fn take(&mut self, source: &Arc<str>, line: RawLine<'_>) -> Result<(), ImportError> {
        self.outcome.lines += 1;
        self.lines_read.fetch_add(1, Ordering::Relaxed);
        let checked = line
            .parsed
            .map_err(|e| vec![e])
            .and_then(|record| self.rules.check(record, self.default_batch.as_deref()));
        let item = match checked {
            Ok(item) => item,
            Err(errors) => {
                return self.reject(source, line.csv_header, line.number, line.text, errors)
            }
        };
        if self.stopped {
            return Ok(());
        }
        let seq = self.outcome.next_seq;
        self.outcome.next_seq += 1;
        if self.batch.lines.is_empty() {
            self.batch.first_seq = seq;
        }
        self.batch.lines.push((source.clone(), line.number));
        let (staged_len, direct_len) = (self.batch.rows.len(), self.batch.direct_rows.len());
        let hash = self.encoder.encode(
            &item,
            seq,
            self.task_id,
            &mut self.batch.rows,
            &mut self.batch.direct_rows,
        );
        if let Some(previous) = self.batch_ids.get(&item.external_id) {
            self.batch.rows.truncate(staged_len);
            self.batch.direct_rows.truncate(direct_len);
            if *previous == hash {
                self.outcome.repeated_unchanged += 1;
            } else {
                self.outcome.repeated_conflicts += 1;
                if self.outcome.repeated_conflict_examples.len() < self.max_listed {
                    let conflict = Conflict {
                        source: source.to_string(),
                        line: line.number,
                        external_id: item.external_id,
                    };
                    self.outcome.repeated_conflict_examples.push(conflict);
                }
            }
            return Ok(());
        }
        self.batch.count += 1;
        self.batch.has_judgments |= item.judgment.is_some();
        let state = match initial_state(&item) {
            "queued" => 0,
            "human_review" => 1,
            _ => 2,
        };
        self.batch.states[state] += 1;
        self.batch_ids.insert(item.external_id, hash);
        if self.batch_ids.len() >= self.batch_size {
            self.flush();
        }
        Ok(())
    }

    fn reject(
        &mut self,
        source: &str,
        csv_header: Option<&str>,
        number: u64,
        text: &str,
        errors: Vec<super::record::FieldError>,
    ) -> Result<(), ImportError> {
        self.outcome.invalid += 1;
        if !self.skip_invalid {
            self.stopped = true;
            self.batch = StagedBatch::default();
            self.batch_ids.clear();
        }
        let line_errors: Vec<LineError> = errors
            .into_iter()
            .map(|e| LineError {
                source: source.to_string(),
                line: number,
                field: e.path,
                message: e.message,
            })
            .collect();
        if let InvalidLinePolicy::Skip { rejects, errors } = &mut self.policy {
            if let Some(file) = rejects {
                if let (Some(header), 1) = (csv_header, self.outcome.invalid) {
                    writeln!(file, "{header}").map_err(ImportError::Rejects)?;
                }
                writeln!(file, "{}", text.trim_end_matches(['\r', '\n']))
                    .map_err(ImportError::Rejects)?;
            }
            if let Some(file) = errors {
                for error in &line_errors {
                    writeln!(file, "{error}").map_err(ImportError::Rejects)?;
                }
            }
        }
        let room = self.max_listed.saturating_sub(self.outcome.errors.len());
        self.outcome
            .errors
            .extend(line_errors.into_iter().take(room));
        Ok(())
    }

    /// Sends the current batch to the writer (blocking while it is busy: constant memory).
    fn flush(&mut self) {
        if self.batch.count == 0 || self.stopped {
            return;
        }
        // The next batch will be about as large: room for it up front saves growing it.
        let room = |len: usize| len + len / 4;
        let next = StagedBatch {
            rows: Vec::with_capacity(room(self.batch.rows.len())),
            direct_rows: Vec::with_capacity(room(self.batch.direct_rows.len())),
            lines: Vec::with_capacity(room(self.batch.lines.len())),
            ..StagedBatch::default()
        };
        let batch = std::mem::replace(&mut self.batch, next);
        self.batch_ids.clear();
        if self.sender.blocking_send(batch).is_err() {
            self.stopped = true; // the writer failed; it reports why
        }
    }
}
