//! `cojudge db start|stop|destroy|url`: the local Postgres on its own, e.g. for tests or psql.

use crate::cli::DbCommand;
use crate::database::{create_database_if_missing, LOCAL_DATABASE};
use crate::postgres::LocalPostgres;
use secrecy::ExposeSecret;

pub async fn run(command: DbCommand) -> anyhow::Result<()> {
    match command {
        DbCommand::Start { data_dir } => {
            let root = data_dir.join("pg");
            let local =
                tokio::task::spawn_blocking(move || LocalPostgres::ensure_running(&root)).await??;
            create_database_if_missing(&local.url("postgres"), LOCAL_DATABASE).await?;
            println!("{}", local.url(LOCAL_DATABASE).expose_secret());
        }
        DbCommand::Stop { data_dir } => {
            let root = data_dir.join("pg");
            tokio::task::spawn_blocking(move || match LocalPostgres::find_running(&root) {
                Ok(local) => local.stop(),
                Err(crate::postgres::LaunchError::NotRunning(_)) => Ok(()),
                Err(error) => Err(error),
            })
            .await??;
            println!("Local Postgres stopped.");
        }
        DbCommand::Destroy { data_dir } => {
            let root = data_dir.join("pg");
            tokio::task::spawn_blocking(move || LocalPostgres::destroy(&root)).await??;
            println!("Local Postgres deleted.");
        }
        DbCommand::Url { data_dir } => {
            let local = LocalPostgres::find_running(&data_dir.join("pg"))?;
            println!("{}", local.url(LOCAL_DATABASE).expose_secret());
        }
    }
    Ok(())
}
