//! `cojudge export`: runs an export in this process with a progress bar, records it (its id is
//! the snapshot id), and prints the files with their rows and sha256; `--snapshot ID` re-runs a
//! recorded export and checks that every file is byte-identical.

use crate::cli::ExportArgs;
use crate::database::Database;
use crate::export::{self, ExportRequest, Manifest, Progress};
use app::db::exports::{self as records, Requester};
use app::db::queue::export as export_queue;
use app::domain::{ExportFilters, ExportSpec, Rebalance};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::time::Instant;
use tokio::sync::watch;

pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let db = Database::open(&args.database).await?;
    let result = match args.snapshot {
        Some(id) => reproduce(&db, id, &args).await,
        None => fresh(&db, &args).await,
    };
    db.close().await;
    result
}

fn spec_of(args: &ExportArgs) -> anyhow::Result<ExportSpec> {
    let spec = ExportSpec {
        task: args.task.clone().expect("clap requires --task"),
        shape: args.shape.expect("clap requires --shape"),
        format: args.format,
        filters: ExportFilters {
            since: args.since,
            until: args.until,
            provenance: args.provenance,
            min_judge_confidence: args.min_judge_confidence,
            generator_version: args.generator_version.clone(),
            batch: args.batch.clone(),
            rubric_version: args.rubric_version,
        },
        validation_fraction: args.validation_fraction,
        max_pairs_per_context: args.max_pairs_per_context,
        rebalance: args.rebalance_target.map(|target| Rebalance {
            target_minority_share: target,
            augment_minority: args.augment_minority,
            downsample_majority: args.downsample_majority,
            half_life_days: args.half_life_days,
            seed: args.seed,
        }),
    };
    if let Err(errors) = spec.validate() {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        anyhow::bail!("the export options are not valid:\n{}", lines.join("\n"));
    }
    Ok(spec)
}

/// Creates the output directory; refuses to overwrite files unless `force`.
fn prepare_out(out: &Path, spec: &ExportSpec, force: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)
        .map_err(|error| anyhow::anyhow!("cannot create {}: {error}", out.display()))?;
    let names = export::files::file_names(
        &spec.file_stem(),
        spec.format,
        spec.validation_fraction > 0.0,
    );
    let taken: Vec<String> = names
        .iter()
        .map(|(_, name)| name.as_str())
        .chain([export::run::MANIFEST_FILE])
        .filter(|name| out.join(name).exists())
        .map(String::from)
        .collect();
    if !taken.is_empty() && !force {
        anyhow::bail!(
            "{} already holds {}; choose another --out or pass --force to overwrite",
            out.display(),
            taken.join(", ")
        );
    }
    Ok(())
}

async fn fresh(db: &Database, args: &ExportArgs) -> anyhow::Result<()> {
    let spec = spec_of(args)?;
    prepare_out(&args.out, &spec, args.force)?;
    let created = records::create(&db.pool, &spec, Requester::Cli)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no task named `{}`", spec.task))?;
    let request = ExportRequest {
        snapshot: created.id,
        spec,
        as_of: created.as_of,
        dir: args.out.clone(),
    };
    let started = Instant::now();
    match run_with_progress(db, &request).await {
        Ok(manifest) => {
            let value = serde_json::to_value(&manifest)?;
            export_queue::finish(&db.pool, created.id, None, manifest.rows, &value).await?;
            print_summary(&manifest, &args.out, started);
            Ok(())
        }
        Err(error) => {
            export_queue::fail(&db.pool, created.id, None, &error.to_string()).await?;
            Err(error)
        }
    }
}

async fn reproduce(db: &Database, id: i64, args: &ExportArgs) -> anyhow::Result<()> {
    let record = records::get(&db.pool, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no export {id}"))?;
    let recorded: Manifest = match (&record.state[..], record.manifest) {
        ("done", Some(manifest)) => serde_json::from_value(manifest)?,
        (state, _) => {
            anyhow::bail!("export {id} is {state}: only finished exports can be reproduced")
        }
    };
    prepare_out(&args.out, &record.spec, args.force)?;
    let request = ExportRequest {
        snapshot: id,
        spec: record.spec,
        as_of: record.as_of,
        dir: args.out.clone(),
    };
    let started = Instant::now();
    let manifest = run_with_progress(db, &request).await?;
    print_summary(&manifest, &args.out, started);
    let differing: Vec<&str> = recorded
        .files
        .iter()
        .filter(|file| !manifest.files.iter().any(|again| again == *file))
        .map(|file| file.name.as_str())
        .collect();
    if differing.is_empty() && manifest.files.len() == recorded.files.len() {
        println!("Snapshot {id} reproduced: every file is byte-identical (sha256 as recorded).");
        Ok(())
    } else {
        anyhow::bail!(
            "snapshot {id} did not reproduce: {} differ from the recorded manifest (the verdicts \
             it read have changed since)",
            differing.join(", ")
        )
    }
}

async fn run_with_progress(db: &Database, request: &ExportRequest) -> anyhow::Result<Manifest> {
    let (progress, mut watcher) = watch::channel(Progress::default());
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} verdicts ({per_sec}, {eta} left)",
        )
        .expect("the progress template is valid"),
    );
    let shown = bar.clone();
    let updater = tokio::spawn(async move {
        while watcher.changed().await.is_ok() {
            let now = *watcher.borrow();
            shown.set_length(now.expected);
            shown.set_position(now.read);
        }
    });
    let result = export::run(&db.pool, request, &progress).await;
    drop(progress);
    let _ = updater.await;
    bar.finish_and_clear();
    result
}

fn print_summary(manifest: &Manifest, out: &Path, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "Export {} ({} {} of task {}): {} rows from {} items in {:.1} s, in {}",
        manifest.snapshot,
        manifest.spec.shape,
        manifest.spec.format,
        manifest.task,
        manifest.rows,
        manifest.label_distribution.items,
        seconds,
        out.display()
    );
    for file in &manifest.files {
        println!(
            "  {}  {} rows  {} bytes  sha256 {}",
            file.name, file.rows, file.bytes, file.sha256
        );
    }
    if let Some(report) = &manifest.rebalance {
        println!(
            "  rebalanced: minority class {}, {} added from before --since, {} of {} majority labels kept, minority share {:.3}",
            report.minority_class, report.augmented, report.majority_kept, report.window_majority, report.minority_share
        );
    }
    println!(
        "  manifest.json written beside them; re-run with --snapshot {}",
        manifest.snapshot
    );
}
