//! `cojudge`: one binary, several roles (web server, migrations, demo data, accounts, the local
//! Postgres). See `cli.rs` for the commands and `ARCHITECTURE.md` for the map.

use clap::Parser;
use cojudge::cli::Cli;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    cojudge::telemetry::init(cli.log_format);
    cojudge::tls::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    match runtime.block_on(cojudge::commands::run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
