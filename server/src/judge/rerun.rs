//! `cojudge judge rerun`: puts a task's judged items back in the judge queue, so the worker judges
//! them under the current configuration (model, prompt, rubric) and routes them anew.
//!
//! Items a human has annotated or holds keep their state and verdict: their labels are the ground
//! truth the judge is measured against. A re-queued item loses its judge verdict (a new one comes
//! with the new judgment); its earlier judgments and routing decisions stay as history.

use app::db::audit::Actor;
use app::db::rerun::{self, RerunSelection};
use sqlx::PgPool;

/// Which items to re-judge.
#[derive(Debug, Clone, Default)]
pub struct RerunFilter {
    pub batch: Option<String>,
    /// Item states to include; empty means human_review, done and failed.
    pub states: Vec<String>,
    /// Only items last judged or imported before this instant.
    pub before: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a rerun did (or would do, on a dry run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RerunReport {
    pub queued: u64,
    pub kept_human_reviewed: u64,
}

const RERUNNABLE_STATES: [&str; 3] = ["human_review", "done", "failed"];

/// Re-queues the matching items of `task_id` in one transaction and wakes the workers.
pub async fn rerun(
    pool: &PgPool,
    task_id: i64,
    filter: &RerunFilter,
    dry_run: bool,
) -> anyhow::Result<RerunReport> {
    for state in &filter.states {
        anyhow::ensure!(
            RERUNNABLE_STATES.contains(&state.as_str()),
            "--state {state}: only {} items can be re-judged",
            RERUNNABLE_STATES.join(", ")
        );
    }
    let states: Vec<String> = if filter.states.is_empty() {
        RERUNNABLE_STATES.iter().map(|s| s.to_string()).collect()
    } else {
        filter.states.clone()
    };
    let selection = RerunSelection {
        task_id,
        states: &states,
        batch: filter.batch.as_deref(),
        before: filter.before,
    };
    let counts = rerun::requeue(pool, &selection, dry_run, Actor::Other("cli")).await?;
    Ok(RerunReport {
        queued: counts.queued as u64,
        kept_human_reviewed: counts.kept_human_reviewed as u64,
    })
}
