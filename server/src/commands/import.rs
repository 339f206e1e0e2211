//! `cojudge import FILE... --task NAME`: bulk import with a progress display and a summary.
//!
//! Exit status: 0 when every line was inserted or unchanged; 1 when nothing was imported (an
//! invalid line under all-or-nothing, or an error); 2 when the import was committed but some
//! lines conflicted or were skipped as invalid.

use crate::cli::ImportArgs;
use crate::database::Database;
use crate::ingest::source::InputLimits;
use crate::ingest::{self, ImportOptions, ImportReport, InvalidLinePolicy, Source};
use anyhow::Context;
use app::db::audit::Actor;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufWriter, IsTerminal};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Exit status when the import was committed with conflicts or skipped lines.
pub const EXIT_PARTIAL: u8 = 2;

pub async fn import(args: ImportArgs) -> anyhow::Result<std::process::ExitCode> {
    let bytes_read = Arc::new(AtomicU64::new(0));
    // Local files are the operator's own: only a line's length is limited (memory).
    let limits = InputLimits {
        max_line_bytes: args.lines.max_line_mb * 1_000_000,
        max_total_bytes: None,
    };
    let mut sources = Vec::new();
    for path in &args.files {
        sources.push(
            Source::open(path, args.format, bytes_read.clone(), limits)
                .with_context(|| format!("opening {path}"))?,
        );
    }
    let total_bytes = sources.iter().map(|s| s.size).sum::<Option<u64>>();
    let mut options = ImportOptions::new(&args.task, Actor::Other("cli"));
    options.default_batch = args.batch.clone();
    options.replace = args.replace;
    if args.skip_invalid {
        let rejects = match &args.rejects {
            Some(path) => Some((
                Box::new(BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )) as Box<dyn std::io::Write + Send>,
                Box::new(BufWriter::new(
                    std::fs::File::create(errors_path(path))
                        .with_context(|| format!("creating {}", errors_path(path).display()))?,
                )) as Box<dyn std::io::Write + Send>,
            )),
            None => None,
        };
        let (rejects, errors) = rejects.map_or((None, None), |(r, e)| (Some(r), Some(e)));
        options.invalid_lines = InvalidLinePolicy::Skip { rejects, errors };
    }
    let lines_read = options.lines_read.clone();

    let db = Database::open(&args.database).await?;
    let progress = Progress::start(total_bytes, bytes_read, lines_read);
    let result = ingest::import(&db.pool, sources, options).await;
    progress.finish();
    db.close().await;
    let report = result?;
    print_report(&report, &args);
    Ok(exit_code(&report))
}

/// Where the errors of rejected lines go: beside the rejects file.
fn errors_path(rejects: &std::path::Path) -> std::path::PathBuf {
    let mut name = rejects.as_os_str().to_owned();
    name.push(".errors");
    name.into()
}

fn print_report(report: &ImportReport, args: &ImportArgs) {
    for error in &report.errors {
        eprintln!("{error}");
    }
    if report.invalid as usize > report.errors.len() {
        eprintln!("… and more: {} invalid lines in all", report.invalid);
    }
    for conflict in &report.conflict_examples {
        eprintln!(
            "{}:{}: external_id `{}` exists with different content (not overwritten{})",
            conflict.source,
            conflict.line,
            conflict.external_id,
            if args.replace {
                ": a human has already worked on it"
            } else {
                "; --replace overwrites items no human has touched"
            }
        );
    }
    println!("{}", report.summary());
    if let (true, Some(path)) = (report.invalid > 0 && args.skip_invalid, &args.rejects) {
        println!(
            "rejected lines: {} (their errors: {})",
            path.display(),
            errors_path(path).display()
        );
    }
}

fn exit_code(report: &ImportReport) -> std::process::ExitCode {
    if !report.committed {
        std::process::ExitCode::FAILURE
    } else if report.conflicts > 0 || report.invalid > 0 {
        std::process::ExitCode::from(EXIT_PARTIAL)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// A progress bar on a terminal (bytes, items/s, ETA), plain progress lines otherwise.
struct Progress {
    /// Dropping it stops the display at once (not at the next refresh).
    stop: std::sync::mpsc::Sender<()>,
    handle: std::thread::JoinHandle<()>,
}

impl Progress {
    fn start(total_bytes: Option<u64>, bytes: Arc<AtomicU64>, lines: Arc<AtomicU64>) -> Progress {
        let (stop, stopped) = std::sync::mpsc::channel();
        let handle = std::thread::spawn(move || {
            let started = Instant::now();
            let terminal = std::io::stderr().is_terminal();
            let bar = if terminal {
                Some(progress_bar(total_bytes))
            } else {
                None
            };
            let mut last_line = Instant::now();
            while let Err(RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(200))
            {
                let (done, items) = (bytes.load(Ordering::Relaxed), lines.load(Ordering::Relaxed));
                let rate = items as f64 / started.elapsed().as_secs_f64().max(0.001);
                if let Some(bar) = &bar {
                    bar.set_position(done);
                    bar.set_message(format!("{items} items, {rate:.0} items/s"));
                } else if last_line.elapsed() >= Duration::from_secs(5) {
                    last_line = Instant::now();
                    eprintln!(
                        "progress: {items} items, {} MB read, {rate:.0} items/s",
                        done / 1_000_000
                    );
                }
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
        });
        Progress { stop, handle }
    }

    fn finish(self) {
        drop(self.stop);
        let _ = self.handle.join();
    }
}

fn progress_bar(total_bytes: Option<u64>) -> ProgressBar {
    match total_bytes {
        Some(total) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} · {msg} · ETA {eta}")
                .expect("valid template"),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {bytes} read · {msg}").expect("valid template"),
        ),
    }
}
