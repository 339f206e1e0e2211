//! A per-process rate limit in requests and tokens per minute (two token buckets refilled
//! continuously). With several workers, give each its share of the endpoint's limit.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Limits per minute; `None` is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateLimits {
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    available: f64,
}

impl Bucket {
    fn new(per_minute: u32) -> Bucket {
        Bucket {
            capacity: per_minute as f64,
            available: per_minute as f64,
        }
    }

    fn refill(&mut self, elapsed: Duration) {
        let rate = self.capacity / 60.0;
        self.available = (self.available + rate * elapsed.as_secs_f64()).min(self.capacity);
    }

    /// Time until `cost` is available (zero when it is now). A cost above the capacity waits for
    /// a full bucket.
    fn wait_for(&self, cost: f64) -> Duration {
        let cost = cost.min(self.capacity);
        if self.available >= cost {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((cost - self.available) * 60.0 / self.capacity)
        }
    }
}

#[derive(Debug)]
struct Buckets {
    requests: Option<Bucket>,
    tokens: Option<Bucket>,
    refilled_at: Instant,
}

/// Waits until a request of an estimated size may go out.
#[derive(Debug)]
pub struct RateLimiter {
    buckets: Mutex<Buckets>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> RateLimiter {
        RateLimiter {
            buckets: Mutex::new(Buckets {
                requests: limits
                    .requests_per_minute
                    .filter(|&n| n > 0)
                    .map(Bucket::new),
                tokens: limits.tokens_per_minute.filter(|&n| n > 0).map(Bucket::new),
                refilled_at: Instant::now(),
            }),
        }
    }

    /// Takes one request and `tokens` tokens, waiting as long as the limits require.
    pub async fn acquire(&self, tokens: u32) {
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().expect("rate limiter lock");
                let now = Instant::now();
                let elapsed = now - buckets.refilled_at;
                buckets.refilled_at = now;
                let Buckets {
                    requests,
                    tokens: token_bucket,
                    ..
                } = &mut *buckets;
                let mut wait = Duration::ZERO;
                for (bucket, cost) in [(requests, 1.0), (token_bucket, tokens as f64)] {
                    if let Some(bucket) = bucket {
                        bucket.refill(elapsed);
                        wait = wait.max(bucket.wait_for(cost));
                    }
                }
                if wait.is_zero() {
                    if let Some(bucket) = &mut buckets.requests {
                        bucket.available -= 1.0;
                    }
                    if let Some(bucket) = &mut buckets.tokens {
                        bucket.available -= (tokens as f64).min(bucket.capacity);
                    }
                    return;
                }
                wait
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_beyond_the_limit_wait_for_the_bucket_to_refill() {
        let limiter = RateLimiter::new(RateLimits {
            requests_per_minute: Some(60),
            tokens_per_minute: None,
        });
        let start = tokio::time::Instant::now();
        for _ in 0..60 {
            limiter.acquire(0).await;
        }
        assert!(start.elapsed() < Duration::from_millis(10));
        limiter.acquire(0).await;
        limiter.acquire(0).await;
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(1900), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits() {
        let limiter = RateLimiter::new(RateLimits::default());
        let start = tokio::time::Instant::now();
        for _ in 0..10_000 {
            limiter.acquire(100_000).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
