//! One module per subcommand; [`run`] dispatches.

mod db;
mod demo;
mod export;
pub mod import;
mod judge;
mod judge_eval;
pub(crate) mod serve;
mod task;
mod token;
mod user;
mod worker;

use crate::cli::{Cli, Command};
use crate::database::Database;
use std::process::ExitCode;

/// Runs the command; most succeed or fail, `import` may also end partly done (exit status 2).
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Import(args) = cli.command {
        return import::import(args).await;
    }
    run_simple(cli.command).await.map(|()| ExitCode::SUCCESS)
}

async fn run_simple(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Migrate(args) => {
            let database = Database::open(&args).await?;
            crate::seed::builtin_tasks::ensure_builtin_tasks(&database.pool).await?;
            println!("Database is up to date.");
            database.close().await;
            Ok(())
        }
        Command::Demo(args) => demo::demo(args).await,
        Command::Import(_) => unreachable!("handled in run"),
        Command::Export(args) => export::export(args).await,
        Command::Worker(args) => worker::worker(args).await,
        Command::Judge(command) => judge::run(command).await,
        Command::User(command) => user::run(command).await,
        Command::Task(command) => task::run(command).await,
        Command::Token(command) => token::run(command).await,
        Command::Db(command) => db::run(command).await,
    }
}
