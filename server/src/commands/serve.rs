//! `cojudge serve`: the web app, on a local Postgres it starts itself when DATABASE_URL is unset.

use crate::cli::{DemoMode, ServeArgs};
use crate::database::Database;
use crate::web::{build_router, WebConfig};
use crate::{demo, seed};
use anyhow::Context;
use std::net::SocketAddr;
use tokio_util::sync::CancellationToken;

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let db = Database::open(&args.database).await?;
    let result = run(&db, &args).await;
    db.close().await;
    result
}

async fn run(db: &Database, args: &ServeArgs) -> anyhow::Result<()> {
    let judge_settings = args.judge.settings()?;
    seed::builtin_tasks::ensure_builtin_tasks(&db.pool).await?;
    let load_demo = match args.demo {
        DemoMode::Never => false,
        DemoMode::Always => true,
        DemoMode::Auto => db.local.is_some(),
    };
    if load_demo && app::db::users::count(&db.pool).await? == 0 {
        demo::load(&db.pool, 42, 120).await?.print();
    }
    let addr = SocketAddr::new(args.host, args.port);
    let public_url = match &args.public_url {
        Some(url) => url.clone(),
        None => format!("http://{addr}")
            .parse()
            .context("building the public URL")?,
    };
    if !args.site_root.join("pkg").join("cojudge.js").exists() {
        tracing::warn!(site_root = %args.site_root.display(), "browser assets are missing: pages will not hydrate (build them with scripts/build)");
    }
    let config = WebConfig {
        addr,
        public_url: public_url.clone(),
        site_root: args.site_root.clone(),
        session_hours: args.session_hours,
        max_import_bytes: args.max_import_mb * 1_000_000,
        import_input_limits: crate::ingest::source::InputLimits {
            max_line_bytes: args.import_lines.max_line_mb * 1_000_000,
            max_total_bytes: Some(args.max_import_decompressed_mb * 1_000_000),
        },
        review: app::services::ReviewSettings {
            lease: std::time::Duration::from_secs(args.review_lease_secs),
            undo_window: std::time::Duration::from_secs(args.undo_secs),
        },
        export_dir: args.exports.export_dir.clone(),
        trusted_proxy_hops: crate::web::TrustedProxyHops(args.trusted_proxy_hops),
    };
    crate::web::sessions::spawn_expired_session_cleanup(db.pool.clone());
    let router = build_router(db.pool.clone(), &config);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let stop = CancellationToken::new();
    tokio::spawn({
        let stop = stop.clone();
        let signal = shutdown_signal();
        async move {
            signal.await;
            stop.cancel();
        }
    });
    let worker = args.embedded_worker.then(|| {
        tokio::spawn(crate::judge::worker::run(
            db.pool.clone(),
            judge_settings,
            stop.clone().cancelled_owned(),
        ))
    });
    let exports = args.export_runner.then(|| {
        tokio::spawn(crate::export::run_runner(
            db.pool.clone(),
            args.exports.export_dir.clone(),
            args.exports.retention(),
            stop.clone(),
        ))
    });
    let sampler = args.sampler.settings().map(|settings| {
        tokio::spawn(crate::operations::sampler::run(
            db.pool.clone(),
            settings,
            stop.clone().cancelled_owned(),
        ))
    });
    println!("cojudge is running at {public_url} (Ctrl-C to stop)");
    let served = crate::web::serve(listener, router, stop.clone().cancelled_owned()).await;
    stop.cancel();
    tracing::info!("web server stopped");
    if let Some(worker) = worker {
        worker.await.context("the judge worker panicked")??;
    }
    if let Some(exports) = exports {
        exports.await.context("the export runner panicked")??;
    }
    if let Some(sampler) = sampler {
        sampler.await.context("the operations sampler panicked")?;
    }
    Ok(served?)
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled, so a signal that arrives early is not lost.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        let wait = |stream: std::io::Result<tokio::signal::unix::Signal>| async move {
            match stream {
                Ok(mut stream) => {
                    stream.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = wait(interrupt) => {},
            _ = wait(terminate) => {},
        }
        tracing::info!("shutting down");
    }
}
