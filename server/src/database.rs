//! Connecting to Postgres (the configured one, or the local cluster) and applying migrations.

use crate::postgres::LocalPostgres;
use anyhow::Context;
use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Postgres URL. When unset, cojudge starts (or reuses) a local Postgres in --data-dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,
    /// Folder for cojudge's local state; the local Postgres lives in DATA_DIR/pg.
    #[arg(long, env = "COJUDGE_DATA_DIR", default_value = ".cojudge")]
    pub data_dir: PathBuf,
    /// Largest number of database connections this process opens.
    #[arg(long, env = "COJUDGE_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,
}

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The database name the local cluster uses.
pub const LOCAL_DATABASE: &str = "cojudge";

/// An open pool, and the local cluster behind it when cojudge started or found one.
pub struct Database {
    pub pool: PgPool,
    pub local: Option<LocalPostgres>,
}

impl Database {
    /// Connects to DATABASE_URL, or to the local cluster (starting it when needed), and
    /// applies pending migrations.
    pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Database> {
        let (url, local) = match &args.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let root = args.data_dir.join("pg");
                let local = tokio::task::spawn_blocking(move || {
                    LocalPostgres::ensure_running(&root)
                })
                .await?
                .context(
                    "starting the local Postgres (set DATABASE_URL to use another database)",
                )?;
                create_database_if_missing(&local.url("postgres"), LOCAL_DATABASE).await?;
                (local.url(LOCAL_DATABASE), Some(local))
            }
        };
        let pool = connect(&url, args.db_max_connections).await?;
        migrate(&pool).await?;
        Ok(Database { pool, local })
    }

    /// Closes the pool and stops the local cluster if this process started it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(local) = self.local.filter(|local| local.started_here()) {
            match tokio::task::spawn_blocking(move || local.stop()).await {
                Ok(Ok(())) => tracing::info!("stopped local Postgres"),
                Ok(Err(error)) => tracing::error!(%error, "could not stop the local Postgres"),
                Err(error) => tracing::error!(%error, "could not stop the local Postgres"),
            }
        }
    }
}

/// A pool on `url`, failing early (with the host, never the password) when it is unreachable.
pub async fn connect(url: &SecretString, max_connections: u32) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url.expose_secret())
        .context("DATABASE_URL is not a valid Postgres URL")?
        .log_slow_statements(log::LevelFilter::Warn, Duration::from_millis(500));
    let target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    );
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .with_context(|| format!("connecting to Postgres at {target}"))
}

/// Applies pending migrations; several processes may call it at once (sqlx takes an advisory
/// lock).
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("applying database migrations")
}

/// Creates `name` on the server at `admin_url` unless it exists.
pub async fn create_database_if_missing(
    admin_url: &SecretString,
    name: &str,
) -> anyhow::Result<()> {
    let mut connection = sqlx::PgConnection::connect(admin_url.expose_secret())
        .await
        .context("connecting to Postgres")?;
    app::db::admin::create_database_if_missing(&mut connection, name)
        .await
        .context("creating the database")?;
    connection.close().await?;
    Ok(())
}
