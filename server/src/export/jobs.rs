//! The export runner: claims export jobs (from the REST API and the web page) with a lease,
//! runs each into `<export dir>/<id>/`, renews the lease with its progress, and records the
//! manifest or the error. Every web and worker process may run one; they share only Postgres
//! (and the export directory, which must be shared storage when they run on several hosts).

use super::run::{run, ExportRequest, Progress};
use app::db::queue::export::{self as queue, ClaimedJob};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::watch;
use uuid::Uuid;

/// How long a claimed job stays with its runner without a heartbeat.
const LEASE: Duration = Duration::from_secs(60);
/// How often an idle runner looks for jobs without being notified (lapsed leases).
const POLL: Duration = Duration::from_secs(10);
/// A job that failed this many times (its runner died each time) is not tried again.
const MAX_ATTEMPTS: i32 = 3;

/// The directory of one export's files.
pub fn export_dir(root: &Path, id: i64) -> PathBuf {
    root.join(id.to_string())
}

/// Runs jobs until `shutdown` resolves; a job in progress is handed back.
pub async fn run_jobs(
    pool: PgPool,
    root: PathBuf,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let owner = Uuid::new_v4();
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen("cojudge_exports").await?;
    tracing::info!(runner = %owner, dir = %root.display(), "export runner started");
    tokio::pin!(shutdown);
    loop {
        match queue::claim(&pool, owner, LEASE).await {
            Ok(Some(job)) => {
                let id = job.id;
                tokio::select! {
                    _ = &mut shutdown => {
                        queue::release(&pool, id, owner).await?;
                        break;
                    }
                    result = run_job(&pool, &root, owner, job) => {
                        if let Err(error) = result {
                            tracing::error!(export = id, %error, "could not record the export's outcome");
                        }
                    }
                }
                continue;
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "could not claim an export job"),
        }
        tokio::select! {
            _ = &mut shutdown => break,
            heard = listener.recv() => {
                if let Err(error) = heard {
                    // The database is away: the listener reconnects on the next call.
                    tracing::warn!(%error, "export runner lost its database connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            _ = tokio::time::sleep(POLL) => {}
        }
    }
    tracing::info!(runner = %owner, "export runner stopped");
    Ok(())
}

/// Claims and runs jobs one after another until none is claimable (waiting, or with a lapsed
/// lease); returns how many it ran. It neither listens nor sleeps, so tests drain the queue
/// deterministically.
pub async fn run_until_empty(pool: &PgPool, root: &Path) -> anyhow::Result<usize> {
    let owner = Uuid::new_v4();
    let mut ran = 0;
    while let Some(job) = queue::claim(pool, owner, LEASE).await? {
        run_job(pool, root, owner, job).await?;
        ran += 1;
    }
    Ok(ran)
}

async fn run_job(pool: &PgPool, root: &Path, owner: Uuid, job: ClaimedJob) -> anyhow::Result<()> {
    if job.attempts > MAX_ATTEMPTS {
        let message = format!("gave up after {MAX_ATTEMPTS} attempts that did not finish");
        queue::fail(pool, job.id, Some(owner), &message).await?;
        return Ok(());
    }
    let dir = export_dir(root, job.id);
    // A previous attempt may have left files: start from an empty directory.
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let request = ExportRequest {
        snapshot: job.id,
        spec: job.spec,
        as_of: job.as_of,
        dir,
    };
    let (progress, watcher) = watch::channel(Progress::default());
    let heartbeat = keep_lease(pool.clone(), job.id, owner, watcher);
    let outcome = tokio::select! {
        outcome = run(pool, &request, &progress) => outcome,
        lost = heartbeat => {
            lost?;
            tracing::warn!(export = job.id, "lost the export's lease; another runner has it");
            return Ok(());
        }
    };
    match outcome {
        Ok(manifest) => {
            let value = serde_json::to_value(&manifest)?;
            if !queue::finish(pool, job.id, Some(owner), manifest.rows, &value).await? {
                tracing::warn!(
                    export = job.id,
                    "the export finished after its lease was lost"
                );
            } else {
                tracing::info!(export = job.id, rows = manifest.rows, "export finished");
            }
        }
        Err(error) => {
            tracing::warn!(export = job.id, %error, "export failed");
            queue::fail(pool, job.id, Some(owner), &error.to_string()).await?;
        }
    }
    Ok(())
}

/// Renews the lease with the latest progress every few seconds; returns when the lease is lost.
async fn keep_lease(
    pool: PgPool,
    id: i64,
    owner: Uuid,
    progress: watch::Receiver<Progress>,
) -> anyhow::Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        let now = *progress.borrow();
        match queue::renew(&pool, id, owner, LEASE, now.read, now.expected).await {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(error) => tracing::warn!(export = id, %error, "could not renew the export's lease"),
        }
    }
}
