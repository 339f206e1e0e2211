//! `cojudge serve`: the web app, on a local Postgres it starts itself when DATABASE_URL is unset.

use crate::cli::{DemoMode, ServeArgs};
use crate::database::Database;
use crate::web::{build_router, WebConfig};
use crate::{demo, seed};
use anyhow::Context;
use std::net::SocketAddr;

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let db = Database::open(&args.database).await?;
    let result = run(&db, &args).await;
    db.close().await;
    result
}

async fn run(db: &Database, args: &ServeArgs) -> anyhow::Result<()> {
    seed::builtin_tasks::ensure_builtin_tasks(&db.pool).await?;
    let load_demo = match args.demo {
        DemoMode::Never => false,
        DemoMode::Always => true,
        DemoMode::Auto => db.local.is_some(),
    };
    if load_demo && app::server::db::users::count(&db.pool).await? == 0 {
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
    };
    crate::web::sessions::spawn_expired_session_cleanup(db.pool.clone());
    let router = build_router(db.pool.clone(), &config);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    println!("cojudge is running at {public_url} (Ctrl-C to stop)");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("web server stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
