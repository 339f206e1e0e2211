//! `cojudge worker`: a judge worker process; several may run against one database.

use crate::cli::WorkerArgs;
use crate::commands::serve::shutdown_signal;
use crate::database::Database;
use crate::judge::worker;

pub async fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    let settings = args.judge.settings()?;
    let db = Database::open(&args.database).await?;
    let pool = db.pool.clone();
    let exit_when_empty = args.exit_when_empty;
    let signal = shutdown_signal();
    let stop = async move {
        tokio::select! {
            _ = signal => {}
            _ = worker::queue_empty(pool), if exit_when_empty => {}
        }
    };
    // Stops the export runner, the sampler and the metrics server once the judge worker has
    // stopped.
    let background_stop = tokio_util::sync::CancellationToken::new();
    let exports = args.export_runner.then(|| {
        tokio::spawn(crate::export::run_runner(
            db.pool.clone(),
            args.exports.export_dir.clone(),
            args.exports.retention(),
            background_stop.clone(),
        ))
    });
    let sampler = args.sampler.settings().map(|settings| {
        tokio::spawn(crate::operations::sampler::run(
            db.pool.clone(),
            settings,
            background_stop.clone().cancelled_owned(),
        ))
    });
    let metrics = args.metrics_addr.map(|addr| {
        tokio::spawn(crate::observability::scrape::serve(
            addr,
            db.pool.clone(),
            background_stop.clone().cancelled_owned(),
        ))
    });
    let result = worker::run(db.pool.clone(), settings, stop).await;
    background_stop.cancel();
    if let Some(exports) = exports {
        exports.await??;
    }
    if let Some(sampler) = sampler {
        sampler.await?;
    }
    if let Some(metrics) = metrics {
        metrics.await??;
    }
    db.close().await;
    let report = result?;
    println!(
        "judge worker stopped: {} judged, {} sent to humans without a judge, {} to retry later, {} failed, {} handed back",
        report.judged, report.sent_to_humans_unjudged, report.retried_later, report.failed, report.handed_back
    );
    Ok(())
}
