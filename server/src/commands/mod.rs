//! One module per subcommand; [`run`] dispatches.

mod db;
mod demo;
mod serve;
mod user;

use crate::cli::{Cli, Command};
use crate::database::Database;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Migrate(args) => {
            let database = Database::open(&args).await?;
            crate::seed::builtin_tasks::ensure_builtin_tasks(&database.pool).await?;
            println!("Database is up to date.");
            database.close().await;
            Ok(())
        }
        Command::Demo(args) => demo::demo(args).await,
        Command::User(command) => user::run(command).await,
        Command::Db(command) => db::run(command).await,
    }
}
