//! The HTTP layer under async-openai: a tower service that sends each attempt through the rate
//! limiter, with a per-attempt timeout, and retries what [`super::retry`] calls retryable (429,
//! 408, 5xx, timeouts, connection errors) when and as often as its [`RetryPolicy`] says.
//!
//! Attempts are counted in a task-local [`CallStats`], so the judge records how many HTTP
//! attempts each judgment took.

use super::rate_limit::RateLimiter;
use super::retry::{self, RetryPolicy};
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use futures_util::future::BoxFuture;
use http_client::Response;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// What the HTTP layer saw during one judge call.
#[derive(Debug)]
pub struct CallStats {
    attempts: AtomicU32,
    /// The `Retry-After` of the last retryable answer, in milliseconds (`u64::MAX`: none).
    retry_after_ms: AtomicU64,
}

impl Default for CallStats {
    fn default() -> CallStats {
        CallStats {
            attempts: AtomicU32::new(0),
            retry_after_ms: AtomicU64::new(u64::MAX),
        }
    }
}

impl CallStats {
    pub fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// The `Retry-After` the endpoint sent with its last retryable answer, if any: when the
    /// call fails for good, the item is not tried again before it.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.retry_after_ms.load(Ordering::Relaxed) {
            u64::MAX => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }
}

tokio::task_local! {
    /// The stats of the judge call running on this task.
    pub static CALL_STATS: Arc<CallStats>;
}

/// The tower service async-openai sends its requests through.
#[derive(Clone)]
pub struct ResilientHttp {
    client: http_client::Client,
    policy: RetryPolicy,
    limiter: Arc<RateLimiter>,
}

impl ResilientHttp {
    /// `timeout` bounds each attempt, from sending the request to reading the whole answer;
    /// `extra_roots` are trusted for https besides the system's certificates.
    pub fn new(
        timeout: Duration,
        policy: RetryPolicy,
        limiter: Arc<RateLimiter>,
        extra_roots: &[http_client::Certificate],
    ) -> anyhow::Result<ResilientHttp> {
        let client = http_client::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(512)
            .tls_certs_merge(extra_roots.iter().cloned())
            .build()?;
        Ok(ResilientHttp {
            client,
            policy,
            limiter,
        })
    }
}

impl tower::Service<HttpRequestFactory> for ResilientHttp {
    type Response = Response;
    type Error = OpenAIError;
    type Future = BoxFuture<'static, Result<Response, OpenAIError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), OpenAIError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.send(factory).await })
    }
}

impl ResilientHttp {
    async fn send(self, factory: HttpRequestFactory) -> Result<Response, OpenAIError> {
        let mut retry = 0;
        loop {
            let request = factory.build().await?;
            let estimated_tokens = request
                .body()
                .and_then(|body| body.as_bytes())
                .map_or(0, |bytes| bytes.len() / 4 + 256) as u32;
            self.limiter.acquire(estimated_tokens).await;
            let _ = CALL_STATS.try_with(|stats| stats.attempts.fetch_add(1, Ordering::Relaxed));
            let result = self.client.execute(request).await;
            let retry_after = match &result {
                Ok(response) if retry::retryable_status(response.status()) => {
                    let after = retry::retry_after(response.headers());
                    let ms =
                        after.map_or(u64::MAX, |a| a.as_millis().min(u64::MAX as u128 - 1) as u64);
                    let _ = CALL_STATS
                        .try_with(|stats| stats.retry_after_ms.store(ms, Ordering::Relaxed));
                    Some(after)
                }
                Ok(_) => return result.map_err(OpenAIError::Reqwest),
                Err(error) if retry::retryable_error(error) => Some(None),
                Err(_) => None,
            };
            let delay = retry_after.and_then(|after| {
                self.policy
                    .next_delay(retry, after, &mut rand::thread_rng())
            });
            match delay {
                Some(delay) => {
                    tracing::debug!(retry, ?delay, outcome = %describe(&result), "retrying the judge request");
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
                None => return result.map_err(OpenAIError::Reqwest),
            }
        }
    }
}

fn describe(result: &Result<Response, http_client::Error>) -> String {
    match result {
        Ok(response) => format!("HTTP {}", response.status().as_u16()),
        Err(error) if error.is_timeout() => "timed out".to_string(),
        Err(_) => "connection failed".to_string(),
    }
}
