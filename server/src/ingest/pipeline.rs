//! Runs an import: a blocking reader thread parses, checks and encodes lines; the async writer
//! merges each batch; the report is assembled at the end.

use super::lines::{read_csv, read_json_lines, RawLine};
use super::report::{Conflict, ImportReport, LineError, Location};
use super::rules::TaskRules;
use super::source::{Format, Source};
use super::staged::encode_row;
use super::writer::{BatchOutcome, Writer};
use app::server::db::audit::Actor;
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

/// COPY rows on their way to the writer.
struct Batch {
    rows: Vec<u8>,
}

/// What the reader thread found, besides the rows it sent.
#[derive(Default)]
struct ReaderOutcome {
    /// Where each valid line came from, indexed by its sequence number.
    locations: Vec<Location>,
    lines: u64,
    invalid: u64,
    errors: Vec<LineError>,
    /// Repeats of an external id within one batch: (seq, external id, identical content?).
    repeats: Vec<(u64, String, bool)>,
}

/// Imports `sources` into the task named in `options`, in one transaction.
pub async fn import(
    pool: &PgPool,
    sources: Vec<Source>,
    mut options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    let (task_id, rubric_version, definition) =
        app::server::db::tasks::current_definition(pool, &options.task)
            .await?
            .ok_or_else(|| ImportError::UnknownTask(options.task.clone()))?;
    let rules = TaskRules::new(definition).map_err(ImportError::BrokenTask)?;
    let skip_invalid = matches!(options.invalid_lines, InvalidLinePolicy::Skip { .. });
    let policy = std::mem::replace(&mut options.invalid_lines, InvalidLinePolicy::AllOrNothing);
    let mut writer = Writer::begin(pool, task_id, rubric_version, options.replace).await?;

    let (sender, mut receiver) = mpsc::channel::<Batch>(2);
    let reader = LineReader {
        rules,
        policy,
        skip_invalid,
        default_batch: options.default_batch.clone(),
        batch_size: options.batch_size.max(1),
        max_listed: options.max_listed,
        lines_read: options.lines_read.clone(),
        sender,
        outcome: ReaderOutcome::default(),
        batch: Vec::new(),
        batch_ids: HashMap::new(),
        stopped: false,
    };
    let reading = tokio::task::spawn_blocking(move || reader.read_all(sources));

    let mut outcomes = Vec::new();
    let mut write_error = None;
    while let Some(batch) = receiver.recv().await {
        match writer.write(batch.rows).await {
            Ok(outcome) => outcomes.push(outcome),
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

    let mut report = assemble(&options, read, outcomes);
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

fn assemble(
    options: &ImportOptions,
    read: ReaderOutcome,
    outcomes: Vec<BatchOutcome>,
) -> ImportReport {
    let mut report = ImportReport {
        task: options.task.clone(),
        lines: read.lines,
        invalid: read.invalid,
        errors: read.errors,
        ..ImportReport::default()
    };
    let location = |seq: u64| {
        read.locations
            .get(seq as usize)
            .cloned()
            .unwrap_or(Location {
                source: String::new(),
                line: 0,
            })
    };
    let conflict = |report: &mut ImportReport, seq: u64, external_id: String| {
        report.conflicts += 1;
        if report.conflict_examples.len() < options.max_listed {
            let Location { source, line } = location(seq);
            report.conflict_examples.push(Conflict {
                source,
                line,
                external_id,
            });
        }
    };
    for outcome in outcomes {
        report.inserted += outcome.inserted;
        report.replaced += outcome.replaced;
        report.unchanged += outcome.unchanged.len() as u64;
        report.queued_for_judge += outcome.queued_for_judge;
        report.routed_to_humans += outcome.routed_to_humans;
        report.auto_accepted += outcome.auto_accepted;
        for (seq, external_id) in outcome.conflicts {
            conflict(&mut report, seq as u64, external_id);
        }
    }
    for (seq, external_id, identical) in read.repeats {
        if identical {
            report.unchanged += 1;
        } else {
            conflict(&mut report, seq, external_id);
        }
    }
    report
        .conflict_examples
        .sort_by(|a, b| (&a.source, a.line).cmp(&(&b.source, b.line)));
    report
}

/// The reader thread's state: parses, checks and batches lines, and sets aside invalid ones.
struct LineReader {
    rules: TaskRules,
    policy: InvalidLinePolicy,
    skip_invalid: bool,
    default_batch: Option<String>,
    batch_size: usize,
    max_listed: usize,
    lines_read: Arc<AtomicU64>,
    sender: mpsc::Sender<Batch>,
    outcome: ReaderOutcome,
    batch: Vec<u8>,
    /// External ids in the current batch, with their content hashes.
    batch_ids: HashMap<String, [u8; 32]>,
    /// No more rows are sent: a line was invalid under all-or-nothing, or the writer stopped.
    stopped: bool,
}

impl LineReader {
    fn read_all(mut self, sources: Vec<Source>) -> Result<ReaderOutcome, ImportError> {
        for source in sources {
            let name = source.name.clone();
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

    fn take(&mut self, source: &str, line: RawLine<'_>) -> Result<(), ImportError> {
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
        let seq = self.outcome.locations.len() as u64;
        self.outcome.locations.push(Location {
            source: source.to_string(),
            line: line.number,
        });
        let mut row = Vec::with_capacity(1024);
        let hash = encode_row(&mut row, seq, &item);
        if let Some(previous) = self.batch_ids.get(&item.external_id) {
            self.outcome
                .repeats
                .push((seq, item.external_id, *previous == hash));
            return Ok(());
        }
        self.batch_ids.insert(item.external_id, hash);
        self.batch.extend_from_slice(&row);
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
            self.batch.clear();
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
        if self.batch.is_empty() || self.stopped {
            return;
        }
        let rows = std::mem::take(&mut self.batch);
        self.batch_ids.clear();
        if self.sender.blocking_send(Batch { rows }).is_err() {
            self.stopped = true; // the writer failed; it reports why
        }
    }
}
