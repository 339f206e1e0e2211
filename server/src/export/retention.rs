//! Deleting the files of old export jobs (`COJUDGE_EXPORT_RETENTION_DAYS` after they
//! finished), never while one is being downloaded: see `app::db::export_downloads`. The record
//! and its manifest stay; downloads then answer 410. Runs in every process that runs export
//! jobs; any number may sweep at once.

use super::jobs::export_dir;
use app::db::export_downloads;
use sqlx::PgPool;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often a process sweeps.
const EVERY: Duration = Duration::from_secs(15 * 60);

/// Sweeps once: marks the files of exports older than `retention` deleted (unless being
/// downloaded) and deletes their folders, and those of exports marked in the last day (a
/// process may have stopped in between). Returns how many exports' files it marked.
pub async fn sweep(pool: &PgPool, root: &Path, retention: Duration) -> anyhow::Result<usize> {
    let expired = export_downloads::expire(pool, retention).await?;
    let mut folders = export_downloads::recently_expired(pool, Duration::from_secs(86_400)).await?;
    folders.extend(&expired);
    folders.sort_unstable();
    folders.dedup();
    for id in folders {
        let dir = export_dir(root, id);
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => tracing::info!(export = id, "deleted the files of an expired export"),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::warn!(export = id, dir = %dir.display(), %error, "could not delete an expired export's files")
            }
        }
    }
    Ok(expired.len())
}

/// Sweeps every [`EVERY`] until `shutdown` resolves; `retention` of `None` keeps files forever.
pub async fn run(
    pool: PgPool,
    root: PathBuf,
    retention: Option<Duration>,
    shutdown: impl Future<Output = ()>,
) {
    let Some(retention) = retention else { return };
    tokio::pin!(shutdown);
    loop {
        if let Err(error) = sweep(&pool, &root, retention).await {
            tracing::warn!(%error, "the export retention sweep failed; it runs again later");
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
