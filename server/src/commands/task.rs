//! `cojudge task import|export|list`: task definitions as TOML task files.

pub(crate) mod parse;
mod render;
mod schema;

use crate::cli::TaskCommand;
use crate::database::Database;
use anyhow::{bail, Context};
use app::db::audit;
use app::db::tasks::{self, ImportOutcome};
use std::path::Path;

pub async fn run(command: TaskCommand) -> anyhow::Result<()> {
    match command {
        TaskCommand::Import {
            database,
            file,
            note,
        } => {
            let shown = file.display().to_string();
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {shown}"))?;
            let definition = match parse::parse(&text) {
                Ok(definition) => definition,
                Err(problems) => {
                    for problem in &problems {
                        eprintln!("{}", problem.in_file(&shown));
                    }
                    bail!(
                        "{shown} is not a valid task file ({} problem{}); nothing was imported",
                        problems.len(),
                        if problems.len() == 1 { "" } else { "s" }
                    );
                }
            };
            let note = note.unwrap_or_else(|| format!("imported from {}", file_name(&file)));
            let db = Database::open(&database).await?;
            let result = import(&db, &definition, &note).await;
            db.close().await;
            let name = &definition.name;
            match result? {
                ImportOutcome::Created { version } => {
                    println!("task {name} created: rubric version {version}")
                }
                ImportOutcome::Versioned { version, .. } => {
                    println!("task {name}: rubric version {version}")
                }
                ImportOutcome::Unchanged { version } => {
                    println!("task {name} is unchanged (rubric version {version})")
                }
            }
        }
        TaskCommand::Export {
            database,
            name,
            out,
            version,
        } => {
            let db = Database::open(&database).await?;
            let found = find(&db, &name, version).await;
            db.close().await;
            let (version, definition) = found?;
            let header = format!(
                "cojudge task file: {} (`{name}`), rubric version {version}.\n\
                 Exported by cojudge {}. `cojudge task import FILE` reads it back; an unchanged\n\
                 file makes no new version, an edited one makes the next rubric version.",
                definition.title.replace(|c: char| c.is_control(), " "),
                env!("CARGO_PKG_VERSION"),
            );
            let text = render::render(&definition, &header)?;
            // The promise of an export is that importing it gives the same definition back.
            if parse::parse(&text).ok().as_ref() != Some(&definition) {
                bail!("task {name} rubric version {version} cannot be written as a task file without changing it");
            }
            match out {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    println!(
                        "task {name} rubric version {version} written to {}",
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
        }
        TaskCommand::List { database } => {
            let db = Database::open(&database).await?;
            let list = tasks::list(&db.pool).await;
            db.close().await;
            print_list(&list?);
        }
    }
    Ok(())
}

/// Creates or versions the task and records what happened in the audit log, in one transaction.
async fn import(
    db: &Database,
    definition: &app::domain::TaskDefinition,
    note: &str,
) -> anyhow::Result<ImportOutcome> {
    let mut tx = db.pool.begin().await?;
    let outcome = tasks::create_or_version(&mut tx, definition, note).await?;
    let digest = tasks::definition_digest(definition);
    let (action, details) = match outcome {
        ImportOutcome::Created { version } => (
            "task.created",
            serde_json::json!({ "version": version, "digest": digest, "note": note }),
        ),
        ImportOutcome::Versioned { version, previous } => (
            "task.versioned",
            serde_json::json!({
                "version": version, "previous_version": previous, "digest": digest, "note": note
            }),
        ),
        ImportOutcome::Unchanged { .. } => return Ok(outcome),
    };
    audit::record(
        &mut tx,
        audit::Entry {
            actor: audit::Actor::Other("cli"),
            action,
            target_type: "task",
            target_id: definition.name.to_string(),
            details,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Rubric `version` (the current one when `None`) of the task called `name`.
async fn find(
    db: &Database,
    name: &str,
    version: Option<i32>,
) -> anyhow::Result<(i32, app::domain::TaskDefinition)> {
    let Some((_, current, definition)) = tasks::current_definition(&db.pool, name).await? else {
        bail!("there is no task called {name} (`cojudge task list` shows them)");
    };
    match version {
        None => Ok((current, definition)),
        Some(version) => match tasks::definition_at(&db.pool, name, version).await? {
            Some(definition) => Ok((version, definition)),
            None => {
                bail!("task {name} has no rubric version {version} (the current one is {current})")
            }
        },
    }
}

fn print_list(list: &[tasks::TaskListing]) {
    let width = list.iter().map(|t| t.name.len()).max().unwrap_or(0).max(4);
    println!(
        "{:<width$}  {:>7}  {:<7}  {:>7}  TITLE",
        "NAME", "VERSION", "BUILTIN", "ITEMS"
    );
    for task in list {
        let builtin = if task.builtin { "yes" } else { "no" };
        let archived = if task.archived { " (archived)" } else { "" };
        println!(
            "{:<width$}  {:>7}  {:<7}  {:>7}  {}{archived}",
            task.name, task.current_rubric, builtin, task.items, task.title
        );
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
