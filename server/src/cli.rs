//! Command-line interface. Every setting is a flag with an environment variable behind it, so
//! `--help` documents the whole configuration.

use clap::{Args, Parser, Subcommand, ValueEnum};

use std::net::IpAddr;
use std::path::PathBuf;

use crate::database::DatabaseArgs;
use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "cojudge",
    version,
    about = "Human–LLM cooperative judging of LLM-generated recommender artifacts"
)]
pub struct Cli {
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(
        long,
        global = true,
        env = "COJUDGE_LOG_FORMAT",
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app (and, when DATABASE_URL is unset, a local Postgres).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Load the demo tasks, artifacts and accounts into the database.
    Demo(DemoArgs),
    /// Import generated artifacts (JSON Lines or CSV; plain, gzip or zstd) into a task.
    Import(ImportArgs),
    /// Export final verdicts as a training dataset (verdicts, sft, preference, listwise,
    /// judge-sft) in JSON Lines, CSV or Parquet, with a manifest; or reproduce a snapshot.
    Export(ExportArgs),
    /// Run a judge worker: judge queued items with the LLM and route them (runs until SIGTERM).
    Worker(WorkerArgs),
    /// Manage the LLM judge's work.
    #[command(subcommand)]
    Judge(JudgeCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for the REST API.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import, export and list task definitions as TOML task files.
    #[command(subcommand)]
    Task(TaskCommand),
    /// Manage the local Postgres cluster that cojudge runs when DATABASE_URL is unset.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "COJUDGE_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on.
    #[arg(long, env = "COJUDGE_PORT", default_value_t = 3000)]
    pub port: u16,
    /// The URL people reach the app at; cross-origin checks accept this origin, and cookies are
    /// marked Secure when it is https. Defaults to http://HOST:PORT.
    #[arg(long, env = "COJUDGE_PUBLIC_URL")]
    pub public_url: Option<url::Url>,
    /// How many proxies in front of the app append the client's address to `X-Forwarded-For`
    /// and are trusted to (0: the connecting peer is the client). The sign-in throttles count
    /// per client address; set this to 1 behind one reverse proxy, or every person shares the
    /// proxy's address.
    #[arg(long, env = "COJUDGE_TRUSTED_PROXY_HOPS", default_value_t = 0)]
    pub trusted_proxy_hops: usize,
    /// Folder with the built browser assets (`pkg/` with the wasm, JS and CSS).
    #[arg(long, env = "COJUDGE_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Hours a session lasts after signing in (the session is only written when it changes, so
    /// activity does not extend it).
    #[arg(long, env = "COJUDGE_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: i64,
    /// Largest request body `POST /api/v1/items` accepts, in MB (bigger imports: split them, or
    /// use `cojudge import`).
    #[arg(long, env = "COJUDGE_MAX_IMPORT_MB", default_value_t = 512)]
    pub max_import_mb: u64,
    /// Largest `POST /api/v1/items` body once decompressed, in MB (a small gzip can hold a lot).
    #[arg(
        long,
        env = "COJUDGE_MAX_IMPORT_DECOMPRESSED_MB",
        default_value_t = 4096
    )]
    pub max_import_decompressed_mb: u64,
    #[command(flatten)]
    pub import_lines: ImportLineArgs,
    /// Seconds an item under review stays held by its annotator; the open page renews the hold,
    /// so this is how long an abandoned item waits before others can take it.
    #[arg(long, env = "COJUDGE_REVIEW_LEASE_SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(5..))]
    pub review_lease_secs: u64,
    /// Seconds within which an annotator can undo their last answer (Z).
    #[arg(long, env = "COJUDGE_UNDO_SECS", default_value_t = 30)]
    pub undo_secs: u64,
    /// When to load demo data: `auto` loads it into an empty local database on first start.
    #[arg(long, env = "COJUDGE_DEMO", default_value = "auto")]
    pub demo: DemoMode,
    /// Run a judge worker inside this process (the single-machine setup). Turn it off when
    /// separate `cojudge worker` processes do the judging.
    #[arg(long, env = "COJUDGE_EMBEDDED_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub embedded_worker: bool,
    /// Run export jobs (from the REST API and the Export page) inside this process.
    #[arg(long, env = "COJUDGE_EXPORT_RUNNER", default_value_t = true, action = clap::ArgAction::Set)]
    pub export_runner: bool,
    #[command(flatten)]
    pub exports: ExportDirArgs,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    #[command(flatten)]
    pub judge: crate::judge::JudgeArgs,
}

/// The operations sampler (queue depth and hourly activity for the dashboards).
#[derive(Debug, Clone, Args)]
pub struct SamplerArgs {
    /// Seconds between queue-depth samples and activity roll-ups; 0 turns the sampler off in
    /// this process. Any number of processes may sample: each interval is sampled once.
    #[arg(long, env = "COJUDGE_OPS_SAMPLE_SECS", default_value_t = 60)]
    pub ops_sample_secs: u64,
    /// Days queue-depth samples are kept.
    #[arg(long, env = "COJUDGE_OPS_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u64).range(1..))]
    pub ops_retention_days: u64,
}

impl SamplerArgs {
    /// The sampler's settings, or `None` when it is turned off.
    pub fn settings(&self) -> Option<crate::operations::sampler::SamplerSettings> {
        (self.ops_sample_secs > 0).then(|| crate::operations::sampler::SamplerSettings {
            interval: std::time::Duration::from_secs(self.ops_sample_secs),
            retention: std::time::Duration::from_secs(self.ops_retention_days * 86_400),
        })
    }
}

/// Where export jobs write their files.
#[derive(Debug, Clone, Args)]
pub struct ExportDirArgs {
    /// Directory for the files of export jobs, one sub-directory per export. Web and worker
    /// processes on several hosts must share it (a shared volume).
    #[arg(long, env = "COJUDGE_EXPORT_DIR", default_value = ".cojudge/exports")]
    pub export_dir: PathBuf,
    /// Days the files of an export job are kept after it finished; then they are deleted
    /// (never while being downloaded) and the record says so. 0 keeps them forever.
    #[arg(long, env = "COJUDGE_EXPORT_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u64,
}

impl ExportDirArgs {
    /// How long export files are kept; `None`: forever.
    pub fn retention(&self) -> Option<std::time::Duration> {
        (self.retention_days > 0)
            .then(|| std::time::Duration::from_secs(self.retention_days * 86_400))
    }
}

#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Exit once no item is waiting or being judged (for batch runs), instead of waiting for more.
    #[arg(long)]
    pub exit_when_empty: bool,
    /// Also run export jobs.
    #[arg(long, env = "COJUDGE_EXPORT_RUNNER", default_value_t = true, action = clap::ArgAction::Set)]
    pub export_runner: bool,
    /// Serve Prometheus metrics (`/metrics`), `/healthz` and `/readyz` on this address, e.g.
    /// `0.0.0.0:9187`. Unset: no HTTP port.
    #[arg(long, env = "COJUDGE_METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    #[command(flatten)]
    pub exports: ExportDirArgs,
    #[command(flatten)]
    pub sampler: SamplerArgs,
    #[command(flatten)]
    pub judge: crate::judge::JudgeArgs,
}

// Parsed once per run, so the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum JudgeCommand {
    /// Queue a task's items to be judged again under the current judge configuration (after a
    /// model, prompt or rubric change). Items a human has annotated keep their state; they are
    /// counted and left alone.
    Rerun {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The task whose items to re-judge.
        #[arg(long)]
        task: String,
        /// Only items of this import batch.
        #[arg(long)]
        batch: Option<String>,
        /// Only items in these states (repeatable): human_review, done, failed.
        #[arg(long = "state")]
        states: Vec<String>,
        /// Only items judged (or imported) before this date, e.g. 2026-11-01.
        #[arg(long)]
        before: Option<chrono::NaiveDate>,
        /// Show what would be queued without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Try a candidate judge (another model, mode, confidence method or prompt) on the task's
    /// audit and golden items that humans reviewed, and print its agreement with them beside the
    /// current judge's, in RecGPT's Table 9 format. The answers are stored (items are not
    /// re-routed); the metrics page lists the run, and an admin can promote the candidate.
    Eval {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        judge: crate::judge::JudgeArgs,
        /// The task to evaluate on.
        #[arg(long)]
        task: String,
        /// The candidate's model (default: the task's current judge model).
        #[arg(long)]
        model: Option<String>,
        /// The candidate's mode: single or per_criterion.
        #[arg(long)]
        mode: Option<String>,
        /// The candidate's confidence method: logprobs or self_consistency.
        #[arg(long)]
        confidence: Option<String>,
        /// Samples for self-consistency.
        #[arg(long)]
        samples: Option<u32>,
        /// A TOML file with `system` and/or `user` prompt templates, as in a task file's
        /// [prompts] section.
        #[arg(long)]
        prompt: Option<PathBuf>,
        /// At most this many items: a sample drawn with `--seed` when the task's judge is measured
        /// on more.
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        /// The seed of the sample `--limit` draws (the same seed draws the same items).
        #[arg(long, default_value_t = 0)]
        seed: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoMode {
    /// Only when cojudge started its own local Postgres and the database has no accounts yet.
    Auto,
    /// Whenever the database has no accounts yet.
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Files to import; `-` reads standard input. gzip and zstd are recognised and decompressed.
    #[arg(required = true)]
    pub files: Vec<String>,
    /// The task the items belong to.
    #[arg(long)]
    pub task: String,
    /// Batch name for items whose line names none.
    #[arg(long)]
    pub batch: Option<String>,
    /// Line format; by default `.csv` files (also compressed) are CSV and everything else JSON Lines.
    #[arg(long)]
    pub format: Option<crate::ingest::Format>,
    /// Import the valid lines and set invalid ones aside, instead of importing nothing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// With --skip-invalid: write rejected lines here verbatim, and their errors to PATH.errors.
    #[arg(long, requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// Overwrite items whose content changed, as long as no human has worked on them.
    #[arg(long)]
    pub replace: bool,
    #[command(flatten)]
    pub lines: ImportLineArgs,
}

/// The longest line an import reads (a line is held in memory whole).
#[derive(Debug, Clone, Args)]
pub struct ImportLineArgs {
    /// Longest line (or CSV row) an import accepts, in MB; a longer one stops the import,
    /// naming the line, and nothing is imported.
    #[arg(long, env = "COJUDGE_MAX_IMPORT_LINE_MB", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_line_mb: u64,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Directory for the data files and manifest.json (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Re-run a recorded export (its id) against the same database state and check that every
    /// file is byte-identical to the recorded manifest. Takes no other export options.
    #[arg(long, conflicts_with_all = ["task", "shape"])]
    pub snapshot: Option<i64>,
    /// The task to export.
    #[arg(long, required_unless_present = "snapshot")]
    pub task: Option<String>,
    /// verdicts, sft, preference, listwise or judge-sft.
    #[arg(long, required_unless_present = "snapshot")]
    pub shape: Option<app::domain::ExportShape>,
    /// jsonl, csv or parquet.
    #[arg(long, default_value = "jsonl")]
    pub format: app::domain::ExportFormat,
    /// Verdicts given at or after this time (RFC 3339, or a date: 2026-11-01).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Verdicts given before this time (RFC 3339, or a date).
    #[arg(long, value_parser = parse_time)]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// all, human (annotators or adjudicators) or judge (auto-accepted).
    #[arg(long, default_value = "all")]
    pub provenance: app::domain::ProvenanceFilter,
    /// Items whose judge confidence is at least this.
    #[arg(long)]
    pub min_judge_confidence: Option<f64>,
    #[arg(long)]
    pub generator_version: Option<String>,
    #[arg(long)]
    pub batch: Option<String>,
    /// Verdicts given under this rubric version.
    #[arg(long)]
    pub rubric_version: Option<i32>,
    /// Share of items (contexts, for preference and listwise) in a validation file, by a hash
    /// of the item: an item keeps its side across exports.
    #[arg(long, default_value_t = 0.0)]
    pub validation_fraction: f64,
    /// preference: at most this many pairs per context.
    #[arg(long)]
    pub max_pairs_per_context: Option<u32>,
    /// judge-sft: rebalance to this share of the rarer class (e.g. 0.3).
    #[arg(long)]
    pub rebalance_target: Option<f64>,
    /// judge-sft: add human labels of the rarer class from before --since.
    #[arg(long, requires = "rebalance_target")]
    pub augment_minority: bool,
    /// judge-sft: downsample the majority class, favouring recent labels.
    #[arg(long, requires = "rebalance_target")]
    pub downsample_majority: bool,
    /// judge-sft: a label's sampling weight halves every this many days of age.
    #[arg(long, default_value_t = 30.0)]
    pub half_life_days: f64,
    /// judge-sft: seed of the downsampling draw.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Overwrite files of the same names in --out.
    #[arg(long)]
    pub force: bool,
}

/// An RFC 3339 time, or a date (midnight UTC).
fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|date| {
            date.and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc()
        })
        .map_err(|_| format!("`{text}` is not a date (2026-11-01) or an RFC 3339 time"))
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Artifacts generated per built-in task.
    #[arg(long, default_value_t = 120)]
    pub per_task: usize,
    /// Random seed; the same seed gives the same artifacts.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is asked for, or read from standard input.
    Add {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        email: String,
        /// admin, trainer, reviewer or annotator.
        #[arg(long)]
        role: String,
        /// Display name; defaults to the part of the e-mail before the @.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an account; its sessions end at once.
    Passwd {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it cannot sign in, its sessions end at once, and the API tokens it
    /// made stop working (until it is enabled again).
    Disable {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        email: String,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Create a task from a TOML task file (see tasks/*.toml), or make the file the task's next
    /// rubric version when it differs from the current one.
    Import {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The task file.
        file: PathBuf,
        /// Why this version exists, stored with it; defaults to "imported from FILE".
        #[arg(long)]
        note: Option<String>,
    },
    /// Write a task's rubric version as a TOML task file that `task import` reads back.
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The task's name.
        name: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The rubric version to export; defaults to the current one.
        #[arg(long, value_parser = clap::value_parser!(i32).range(1..))]
        version: Option<i32>,
    },
    /// List tasks with their current rubric version and item count.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once and only its hash is kept.
    Create {
        #[command(flatten)]
        database: DatabaseArgs,
        /// A unique name, e.g. `nightly-import` (letters, digits, `.`, `_`, `-`).
        #[arg(long)]
        name: String,
        /// trainer (import and export) or admin.
        #[arg(long)]
        role: String,
        /// When it stops working: a duration like 30d or 12h, or a date like 2027-01-31
        /// (valid through that day, UTC). Default: never.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List tokens with their status.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a token by name; revoking twice is harmless.
    Revoke {
        #[command(flatten)]
        database: DatabaseArgs,
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Start the local Postgres (or find it running) and print its URL.
    Start {
        #[arg(long, env = "COJUDGE_DATA_DIR", default_value = ".cojudge")]
        data_dir: PathBuf,
    },
    /// Stop the local Postgres.
    Stop {
        #[arg(long, env = "COJUDGE_DATA_DIR", default_value = ".cojudge")]
        data_dir: PathBuf,
    },
    /// Stop the local Postgres and delete all its data (for throwaway clusters).
    Destroy {
        #[arg(long, env = "COJUDGE_DATA_DIR", default_value = ".cojudge")]
        data_dir: PathBuf,
    },
    /// Print the URL of the running local Postgres.
    Url {
        #[arg(long, env = "COJUDGE_DATA_DIR", default_value = ".cojudge")]
        data_dir: PathBuf,
    },
}
