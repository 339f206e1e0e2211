//! The judge worker's settings, from `cojudge worker` / `cojudge serve` flags and environment.
//! The retry ones (HTTP retries, attempts, back-off, unreadable-answer retries) become one
//! [`RetrySchedule`](super::retry::RetrySchedule), which says what they mean.

use super::rate_limit::RateLimits;
use super::retry::RetryPolicy;
use clap::Args;
use secrecy::SecretString;
use std::time::Duration;

/// Where the judge model is and how hard to drive it.
#[derive(Debug, Clone, Args)]
pub struct JudgeArgs {
    /// Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1,
    /// http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (Ollama) or
    /// http://localhost:8080/v1 (llama.cpp server). Unset: no judge, every item goes to humans.
    #[arg(long, env = "OPENAI_BASE_URL")]
    pub openai_base_url: Option<String>,
    /// API key for the endpoint (local servers usually need none).
    #[arg(long, env = "OPENAI_API_KEY", hide_env_values = true)]
    pub openai_api_key: Option<SecretString>,
    /// PEM file of CA certificates to trust for an https endpoint, besides the system's (a
    /// server with a certificate from an internal CA).
    #[arg(long, env = "COJUDGE_JUDGE_CA_CERT")]
    pub judge_ca_cert: Option<std::path::PathBuf>,
    /// The judge model; a task file's `judge.model` overrides it for that task.
    #[arg(long, env = "COJUDGE_JUDGE_MODEL", default_value = "gpt-4o-mini")]
    pub judge_model: String,
    /// Judge calls in flight at once in this process.
    #[arg(long, env = "COJUDGE_JUDGE_CONCURRENCY", default_value_t = 32)]
    pub judge_concurrency: usize,
    /// Seconds one HTTP attempt may take.
    #[arg(long, env = "COJUDGE_JUDGE_TIMEOUT_SECS", default_value_t = 60.0)]
    pub judge_timeout_secs: f64,
    /// Retries of one call on 429, 5xx, timeouts and connection errors.
    #[arg(long, env = "COJUDGE_JUDGE_RETRIES", default_value_t = 4)]
    pub judge_retries: u32,
    /// First retry backoff in milliseconds (doubles each retry, with jitter).
    #[arg(long, env = "COJUDGE_JUDGE_BACKOFF_MS", default_value_t = 500)]
    pub judge_backoff_ms: u64,
    /// Extra calls when an answer cannot be read, before the item goes to humans as judge_error.
    #[arg(long, env = "COJUDGE_JUDGE_OUTPUT_RETRIES", default_value_t = 2)]
    pub judge_output_retries: u32,
    /// Claims of one item before it is marked failed.
    #[arg(long, env = "COJUDGE_JUDGE_MAX_ATTEMPTS", default_value_t = 3)]
    pub judge_max_attempts: i32,
    /// Seconds an item waits before it is claimed again after an endpoint failure (doubles).
    #[arg(long, env = "COJUDGE_JUDGE_RETRY_DELAY_SECS", default_value_t = 30.0)]
    pub judge_retry_delay_secs: f64,
    /// Requests per minute this process may send (0: unlimited).
    #[arg(long, env = "COJUDGE_JUDGE_RPM", default_value_t = 0)]
    pub judge_rpm: u32,
    /// Tokens per minute this process may use, estimated from request size (0: unlimited).
    #[arg(long, env = "COJUDGE_JUDGE_TPM", default_value_t = 0)]
    pub judge_tpm: u32,
    /// USD per million prompt tokens, to record each judgment's cost.
    #[arg(long, env = "COJUDGE_JUDGE_PRICE_INPUT")]
    pub judge_price_input: Option<f64>,
    /// USD per million completion tokens.
    #[arg(long, env = "COJUDGE_JUDGE_PRICE_OUTPUT")]
    pub judge_price_output: Option<f64>,
    /// Seconds a claimed item stays leased without a heartbeat; a dead worker's items return to
    /// the queue after this long.
    #[arg(long, env = "COJUDGE_JUDGE_LEASE_SECS", default_value_t = 60.0)]
    pub judge_lease_secs: f64,
    /// Seconds in-flight calls may finish after SIGTERM before their items are handed back.
    #[arg(long, env = "COJUDGE_JUDGE_GRACE_SECS", default_value_t = 20.0)]
    pub judge_grace_secs: f64,
}

/// Validated worker settings.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub endpoint: Option<Endpoint>,
    pub default_model: String,
    pub concurrency: usize,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub output_retries: u32,
    pub max_attempts: i32,
    pub retry_delay: Duration,
    pub limits: RateLimits,
    pub prices: Option<(f64, f64)>,
    pub lease: Duration,
    pub grace: Duration,
}

/// An OpenAI-compatible endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub base_url: String,
    pub api_key: Option<SecretString>,
    /// CA certificates trusted for it besides the system's.
    pub extra_roots: Vec<http_client::Certificate>,
}

impl JudgeArgs {
    /// The certificates of `--judge-ca-cert`, read and checked now, so a wrong file stops the
    /// start with a clear message instead of failing every call.
    fn extra_roots(&self) -> anyhow::Result<Vec<http_client::Certificate>> {
        let Some(path) = &self.judge_ca_cert else {
            return Ok(Vec::new());
        };
        let pem = std::fs::read(path).map_err(|error| {
            anyhow::anyhow!("reading --judge-ca-cert {}: {error}", path.display())
        })?;
        let certificates = http_client::Certificate::from_pem_bundle(&pem).map_err(|error| {
            anyhow::anyhow!(
                "--judge-ca-cert {}: not PEM certificates ({error})",
                path.display()
            )
        })?;
        anyhow::ensure!(
            !certificates.is_empty(),
            "--judge-ca-cert {} holds no certificate",
            path.display()
        );
        Ok(certificates)
    }

    pub fn settings(&self) -> anyhow::Result<WorkerSettings> {
        let seconds = |name: &str, value: f64| {
            anyhow::ensure!(
                value.is_finite() && value > 0.0,
                "{name} must be a positive number of seconds"
            );
            Ok(Duration::from_secs_f64(value))
        };
        anyhow::ensure!(
            self.judge_concurrency > 0,
            "--judge-concurrency must be at least 1"
        );
        anyhow::ensure!(
            self.judge_max_attempts > 0,
            "--judge-max-attempts must be at least 1"
        );
        let endpoint = match self.openai_base_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => {
                let parsed = url::Url::parse(url)
                    .map_err(|error| anyhow::anyhow!("OPENAI_BASE_URL is not a URL ({error})"))?;
                anyhow::ensure!(
                    matches!(parsed.scheme(), "http" | "https"),
                    "OPENAI_BASE_URL must be an http or https URL"
                );
                Some(Endpoint {
                    base_url: url.to_string(),
                    api_key: self.openai_api_key.clone(),
                    extra_roots: self.extra_roots()?,
                })
            }
        };
        let prices = match (self.judge_price_input, self.judge_price_output) {
            (None, None) => None,
            (input, output) => Some((input.unwrap_or(0.0), output.unwrap_or(0.0))),
        };
        Ok(WorkerSettings {
            endpoint,
            default_model: self.judge_model.clone(),
            concurrency: self.judge_concurrency,
            timeout: seconds("--judge-timeout-secs", self.judge_timeout_secs)?,
            retry: RetryPolicy {
                max_retries: self.judge_retries,
                base_delay: Duration::from_millis(self.judge_backoff_ms),
                max_delay: Duration::from_secs(60),
            },
            output_retries: self.judge_output_retries,
            max_attempts: self.judge_max_attempts,
            retry_delay: seconds("--judge-retry-delay-secs", self.judge_retry_delay_secs)?,
            limits: RateLimits {
                requests_per_minute: Some(self.judge_rpm).filter(|&n| n > 0),
                tokens_per_minute: Some(self.judge_tpm).filter(|&n| n > 0),
            },
            prices,
            lease: seconds("--judge-lease-secs", self.judge_lease_secs)?,
            grace: seconds("--judge-grace-secs", self.judge_grace_secs)?,
        })
    }
}
