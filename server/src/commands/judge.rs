//! `cojudge judge rerun`: re-queue a task's items for the current judge configuration;
//! `cojudge judge eval`: try a candidate judge (see [`super::judge_eval`]).

use crate::cli::JudgeCommand;
use crate::database::Database;
use crate::judge::evaluate::EvalSample;
use crate::judge::rerun::{rerun, RerunFilter};
use anyhow::Context;

pub async fn run(command: JudgeCommand) -> anyhow::Result<()> {
    let (database, task, batch, states, before, dry_run) = match command {
        JudgeCommand::Rerun {
            database,
            task,
            batch,
            states,
            before,
            dry_run,
        } => (database, task, batch, states, before, dry_run),
        JudgeCommand::Eval {
            database,
            judge,
            task,
            model,
            mode,
            confidence,
            samples,
            prompt,
            limit,
            seed,
        } => {
            let args = super::judge_eval::EvalArgs {
                task,
                model,
                mode,
                confidence,
                samples,
                prompt,
                sample: EvalSample { limit, seed },
            };
            let db = Database::open(&database).await?;
            let result = super::judge_eval::run(&db, &judge, args).await;
            db.close().await;
            return result;
        }
    };
    let db = Database::open(&database).await?;
    let result = async {
        let (task_id, _, _) = app::db::tasks::current_definition(&db.pool, &task)
            .await?
            .with_context(|| {
                format!("there is no task called `{task}` (see `cojudge task list`)")
            })?;
        let filter = RerunFilter {
            batch,
            states,
            before: before.map(|date| date.and_time(chrono::NaiveTime::MIN).and_utc()),
        };
        rerun(&db.pool, task_id, &filter, dry_run).await
    }
    .await;
    db.close().await;
    let report = result?;
    let verb = if dry_run { "would be queued" } else { "queued" };
    println!(
        "{} items of `{task}` {verb} for the judge; {} human-reviewed items kept as they are",
        report.queued, report.kept_human_reviewed
    );
    Ok(())
}
