//! The HTTP layer under async-openai: a tower service that sends each attempt through the rate
//! limiter, with a per-attempt timeout, and retries 429, 5xx, timeouts and connection errors with
//! exponential backoff and full jitter, honouring `Retry-After`.
//!
//! Attempts are counted in a task-local [`CallStats`], so the judge records how many HTTP
//! attempts each judgment took.

use super::rate_limit::RateLimiter;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use futures_util::future::BoxFuture;
use http_client::{Response, StatusCode};
use rand::Rng;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff ceiling; it doubles with every retry.
    pub base_delay: Duration,
    /// The largest backoff, and the most a `Retry-After` is honoured for.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The pause before retry number `retry` (0-based): `Retry-After` when the server sent one,
    /// else a uniformly random share of `base · 2^retry`, capped.
    fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_delay);
        ceiling.mul_f64(rand::thread_rng().gen_range(0.0..=1.0))
    }
}

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
    /// `timeout` bounds each attempt, from sending the request to reading the whole answer.
    pub fn new(
        timeout: Duration,
        policy: RetryPolicy,
        limiter: Arc<RateLimiter>,
    ) -> anyhow::Result<ResilientHttp> {
        let client = http_client::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(512)
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
                Ok(response) if retryable_status(response.status()) => {
                    let after = retry_after(response);
                    let ms =
                        after.map_or(u64::MAX, |a| a.as_millis().min(u64::MAX as u128 - 1) as u64);
                    let _ = CALL_STATS
                        .try_with(|stats| stats.retry_after_ms.store(ms, Ordering::Relaxed));
                    Some(after)
                }
                Ok(_) => return result.map_err(OpenAIError::Reqwest),
                Err(error) if error.is_timeout() || error.is_connect() => Some(None),
                Err(_) => None,
            };
            match retry_after {
                Some(after) if retry < self.policy.max_retries => {
                    let delay = self.policy.delay(retry, after);
                    tracing::debug!(retry, ?delay, outcome = %describe(&result), "retrying the judge request");
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
                _ => return result.map_err(OpenAIError::Reqwest),
            }
        }
    }
}

fn retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and treated as absent).
fn retry_after(response: &Response) -> Option<Duration> {
    response
        .headers()
        .get(http_client::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .map(Duration::from_secs_f64)
}

fn describe(result: &Result<Response, http_client::Error>) -> String {
    match result {
        Ok(response) => format!("HTTP {}", response.status().as_u16()),
        Err(error) if error.is_timeout() => "timed out".to_string(),
        Err(_) => "connection failed".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_cap_and_retry_after_wins() {
        let policy = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for retry in 0..10 {
            let delay = policy.delay(retry, None);
            let ceiling = Duration::from_millis(100 * (1 << retry)).min(Duration::from_secs(1));
            assert!(delay <= ceiling, "retry {retry}: {delay:?}");
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3))),
            Duration::from_secs(1)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_millis(300))),
            Duration::from_millis(300)
        );
    }
}
