//! `fake-openai [--port P] [--latency-ms MS]`: serves the fake OpenAI API with the default
//! answerer on 127.0.0.1 until SIGINT or SIGTERM.

use std::io::{self, Write};
use std::time::Duration;

use clap::Parser;
use fake_openai::{FakeOpenAi, Options};
use tokio::signal::unix::{signal, SignalKind};

/// A fake OpenAI-compatible chat-completions server that judges deterministically.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Delay before every reply, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let args = Args::parse();
    let options = Options {
        latency: Duration::from_millis(args.latency_ms),
        ..Options::default()
    };
    let server = FakeOpenAi::start_on(args.port, options).await?;
    println!("listening on {}", server.base_url());
    io::stdout().flush()?;
    termination().await
}

/// Resolves on SIGINT or SIGTERM.
async fn termination() -> io::Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        interrupted = tokio::signal::ctrl_c() => interrupted,
        _ = terminate.recv() => Ok(()),
    }
}
