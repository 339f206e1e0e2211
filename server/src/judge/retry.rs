//! The judge's whole retry schedule, in one place: when a failed call or item is tried again,
//! how long it waits first, and when it is given up on.
//!
//! - **HTTP retries** ([`RetryPolicy`]): one judge call retries 429, 408, 5xx, timeouts and
//!   connection errors inside [`ResilientHttp`](super::http::ResilientHttp), with exponential
//!   backoff and full jitter, honouring `Retry-After` up to the backoff cap.
//! - **Item back-off** ([`ItemBackoff`]): when a call fails after its HTTP retries, the item goes
//!   back to the queue and waits (exponential, equal jitter, never sooner than the endpoint's
//!   `Retry-After`, up to [`MAX_RETRY_AFTER`]).
//! - **Attempt limits** ([`RetrySchedule::after_endpoint_failure`],
//!   [`RetrySchedule::after_abandonments`]): an item is given up after `max_attempts` failed
//!   calls, or once more than [`MAX_ABANDONED`] workers stopped while judging it.
//! - **Unreadable answers** ([`RetrySchedule::output_tries`]): an answer that cannot be read is
//!   asked for again, up to `output_retries` more times.
//!
//! Hand-rolled rather than `backoff` or tower's retry layer: the item back-off is not a sleep but
//! a `judge_not_before` in the queue, so a crate's retry loop would cover only the HTTP part, and
//! the arithmetic is a few lines. Randomness is passed in, so the schedule is tested
//! deterministically.

use super::WorkerSettings;
use http_client::header::{HeaderMap, RETRY_AFTER};
use http_client::StatusCode;
use rand::Rng;
use std::fmt;
use std::time::Duration;

/// Workers that may stop while judging one item (killed, crashed, lost) before it is given up
/// on as a likely cause: a poison item must not take down every worker in turn.
pub const MAX_ABANDONED: i32 = 10;
/// The longest `Retry-After` an item's next attempt waits for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// The largest item back-off exponent: the delay stops doubling after 10 failures.
const MAX_ITEM_DOUBLINGS: i32 = 10;

/// The whole schedule, built once from the worker's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrySchedule {
    pub http: RetryPolicy,
    pub item: ItemBackoff,
    /// Failed endpoint calls (claims from the queue) before an item is marked failed.
    pub max_attempts: i32,
    /// Workers that may stop while judging one item before it is marked failed.
    pub max_abandoned: i32,
    /// Extra calls when an answer cannot be read.
    pub output_retries: u32,
}

impl From<&WorkerSettings> for RetrySchedule {
    fn from(settings: &WorkerSettings) -> RetrySchedule {
        RetrySchedule {
            http: settings.retry,
            item: ItemBackoff {
                base: settings.retry_delay,
            },
            max_attempts: settings.max_attempts,
            max_abandoned: MAX_ABANDONED,
            output_retries: settings.output_retries,
        }
    }
}

/// What happens to an item after something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Back to the queue, not to be claimed again before this delay passes.
    RetryLater(Duration),
    /// Marked failed.
    GiveUp(GiveUp),
}

/// Why an item is given up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// Its endpoint calls failed `attempts` times (the endpoint's error is what gets recorded).
    AttemptsExhausted { attempts: i32 },
    /// `abandoned` workers stopped while judging it.
    Abandoned { abandoned: i32 },
}

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GiveUp::AttemptsExhausted { attempts } => {
                write!(f, "gave up: the endpoint failed {attempts} attempts")
            }
            // Stored as the item's judge_error, worded as before this module existed.
            GiveUp::Abandoned { abandoned } => {
                write!(
                    f,
                    "gave up: {abandoned} workers stopped while judging this item"
                )
            }
        }
    }
}

impl RetrySchedule {
    /// `Some(why)` when a claimed item is not to be judged any more because too many workers
    /// stopped while judging it; asked before its call, so a poison item is not sent again.
    pub fn after_abandonments(&self, abandoned: i32) -> Option<GiveUp> {
        (abandoned > self.max_abandoned).then_some(GiveUp::Abandoned { abandoned })
    }

    /// The item's fate after its `attempts`-th call (1-based) failed at the endpoint, which may
    /// have said when to come back.
    pub fn after_endpoint_failure(
        &self,
        attempts: i32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Next {
        if attempts >= self.max_attempts {
            return Next::GiveUp(GiveUp::AttemptsExhausted { attempts });
        }
        Next::RetryLater(self.item.delay(attempts, retry_after, rng))
    }

    /// Calls one group's answer gets until it is readable: the first and `output_retries` more.
    pub fn output_tries(&self) -> u32 {
        self.output_retries.saturating_add(1)
    }
}

/// How one judge call's failed HTTP attempts are retried.
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
    /// The pause before retry number `retry` (0-based) of a retryable failure, or `None` when
    /// the retries are spent and the failure is final.
    pub fn next_delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Option<Duration> {
        (retry < self.max_retries).then(|| self.delay(retry, retry_after, rng))
    }

    /// The pause before retry number `retry` (0-based): `Retry-After` when the server sent one
    /// (capped), else a uniformly random share of `base · 2^retry`, capped ("full jitter": calls
    /// that failed together spread over the whole window instead of returning in step).
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, rng: &mut impl Rng) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_delay);
        ceiling.mul_f64(rng.gen_range(0.0..=1.0))
    }
}

/// Whether an HTTP answer with this status is worth another attempt.
pub fn retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

/// Whether a request that got no answer is worth another attempt: timeouts and connection
/// failures are; anything else (a malformed request, a redirect loop) would fail again.
pub fn retryable_error(error: &http_client::Error) -> bool {
    error.is_timeout() || error.is_connect()
}

/// `Retry-After` in seconds (the HTTP-date form is rare for APIs and treated as absent).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .map(Duration::from_secs_f64)
}

/// How long an item waits in the queue after its call failed at the endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemBackoff {
    /// The wait after the first failure; it doubles with every further failure.
    pub base: Duration,
}

impl ItemBackoff {
    /// `base · 2^(attempts − 1)`, doubling at most 10 times.
    pub fn exponential(&self, attempts: i32) -> Duration {
        let doublings = (attempts - 1).clamp(0, MAX_ITEM_DOUBLINGS) as u32;
        self.base.saturating_mul(1 << doublings)
    }

    /// The wait after the `attempts`-th failure, with "equal jitter": half the exponential value
    /// fixed, half random. Items that failed together (an outage) come back spread out rather
    /// than in one burst, yet never sooner than half the back-off, so a recovering endpoint is
    /// not hit at once and the few attempts an item has are not spent in quick succession.
    /// An endpoint's `Retry-After` is waited out, up to [`MAX_RETRY_AFTER`].
    pub fn delay(
        &self,
        attempts: i32,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let half = self.exponential(attempts) / 2;
        let jittered = half + half.mul_f64(rng.gen_range(0.0..=1.0));
        let asked = retry_after.unwrap_or_default().min(MAX_RETRY_AFTER);
        jittered.max(asked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::mock::StepRng;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// Draws 0: the shortest jittered delay.
    fn lowest() -> StepRng {
        StepRng::new(0, 0)
    }

    /// Draws (almost) 1: the longest jittered delay.
    fn highest() -> StepRng {
        StepRng::new(u64::MAX, 0)
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        }
    }

    fn schedule() -> RetrySchedule {
        RetrySchedule {
            http: policy(),
            item: ItemBackoff {
                base: Duration::from_secs(30),
            },
            max_attempts: 3,
            max_abandoned: MAX_ABANDONED,
            output_retries: 2,
        }
    }

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn backoff_doubles_within_its_cap_and_retry_after_wins() {
        let policy = policy();
        let mut rng = StdRng::seed_from_u64(22);
        for retry in 0..10 {
            let ceiling = ms(100 * (1 << retry)).min(Duration::from_secs(1));
            for _ in 0..100 {
                let delay = policy.delay(retry, None, &mut rng);
                assert!(delay <= ceiling, "retry {retry}: {delay:?}");
            }
        }
        let mut rng = lowest();
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3)), &mut rng),
            Duration::from_secs(1)
        );
        assert_eq!(policy.delay(0, Some(ms(300)), &mut rng), ms(300));
    }

    #[test]
    fn http_backoff_at_the_highest_draw_is_its_doubling_ceiling() {
        let policy = policy();
        let ceilings: Vec<Duration> = (0..6)
            .map(|retry| policy.delay(retry, None, &mut highest()))
            .collect();
        assert_eq!(
            ceilings,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
    }

    #[test]
    fn http_backoff_with_full_jitter_may_be_no_wait_at_all() {
        assert_eq!(policy().delay(5, None, &mut lowest()), Duration::ZERO);
    }

    #[test]
    fn http_retries_stop_once_max_retries_are_spent() {
        let policy = RetryPolicy {
            max_retries: 2,
            ..policy()
        };
        let mut rng = highest();
        assert_eq!(policy.next_delay(0, None, &mut rng), Some(ms(100)));
        assert_eq!(policy.next_delay(1, Some(ms(50)), &mut rng), Some(ms(50)));
        assert_eq!(policy.next_delay(2, None, &mut rng), None);
        assert_eq!(policy.next_delay(2, Some(ms(50)), &mut rng), None);
    }

    #[test]
    fn too_many_requests_request_timeout_and_server_errors_are_retried() {
        for status in [429, 408, 500, 502, 503, 504] {
            assert!(
                retryable_status(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
        for status in [200, 400, 401, 403, 404, 422] {
            assert!(
                !retryable_status(StatusCode::from_u16(status).unwrap()),
                "{status}"
            );
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_an_http_date_counts_as_absent() {
        let header = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            retry_after(&headers)
        };
        assert_eq!(retry_after(&HeaderMap::new()), None);
        assert_eq!(header("3"), Some(Duration::from_secs(3)));
        assert_eq!(header(" 1.5 "), Some(ms(1500)));
        assert_eq!(header("0"), Some(Duration::ZERO));
        assert_eq!(header("-1"), None);
        assert_eq!(header("inf"), None);
        assert_eq!(header("NaN"), None);
        assert_eq!(header("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn item_backoff_doubles_per_failed_attempt_and_stops_doubling_after_ten() {
        let backoff = ItemBackoff {
            base: Duration::from_secs(30),
        };
        let secs = |attempts| backoff.exponential(attempts).as_secs();
        assert_eq!([secs(1), secs(2), secs(3), secs(4)], [30, 60, 120, 240]);
        assert_eq!(secs(11), 30 * 1024);
        assert_eq!(secs(12), 30 * 1024);
        assert_eq!(
            secs(0),
            30,
            "a first attempt never waits less than the base"
        );
    }

    #[test]
    fn item_backoff_is_never_below_half_nor_above_its_exponential_value() {
        let backoff = ItemBackoff { base: ms(333) };
        let mut rng = StdRng::seed_from_u64(22);
        for attempts in 1..=12 {
            let full = backoff.exponential(attempts);
            assert_eq!(backoff.delay(attempts, None, &mut lowest()), full / 2);
            assert!(backoff.delay(attempts, None, &mut highest()) <= full);
            for _ in 0..100 {
                let delay = backoff.delay(attempts, None, &mut rng);
                assert!(full / 2 <= delay && delay <= full, "{attempts}: {delay:?}");
            }
        }
    }

    #[test]
    fn item_backoff_waits_out_a_retry_after_but_at_most_an_hour() {
        let backoff = ItemBackoff {
            base: Duration::from_secs(30),
        };
        let hours = |h: u64| Duration::from_secs(3600 * h);
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(90)), &mut highest()),
            Duration::from_secs(90)
        );
        assert_eq!(backoff.delay(1, Some(hours(5)), &mut lowest()), hours(1));
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(1)), &mut lowest()),
            Duration::from_secs(15),
            "a shorter Retry-After does not shorten the back-off"
        );
    }

    #[test]
    fn an_item_is_retried_later_until_its_attempts_are_exhausted() {
        let schedule = schedule();
        assert_eq!(
            schedule.after_endpoint_failure(1, None, &mut lowest()),
            Next::RetryLater(Duration::from_secs(15))
        );
        assert_eq!(
            schedule.after_endpoint_failure(2, None, &mut highest()),
            Next::RetryLater(Duration::from_secs(60))
        );
        assert_eq!(
            schedule.after_endpoint_failure(3, Some(ms(1)), &mut lowest()),
            Next::GiveUp(GiveUp::AttemptsExhausted { attempts: 3 })
        );
    }

    #[test]
    fn an_item_is_given_up_once_more_than_ten_workers_stopped_while_judging_it() {
        let schedule = schedule();
        assert_eq!(schedule.after_abandonments(0), None);
        assert_eq!(schedule.after_abandonments(10), None);
        let why = schedule.after_abandonments(11).expect("given up");
        assert_eq!(why, GiveUp::Abandoned { abandoned: 11 });
        assert_eq!(
            why.to_string(),
            "gave up: 11 workers stopped while judging this item"
        );
    }

    #[test]
    fn the_default_flags_make_the_documented_schedule() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            judge: super::super::JudgeArgs,
        }
        let cli: Cli = clap::Parser::try_parse_from(["cojudge"]).unwrap();
        let schedule = RetrySchedule::from(&cli.judge.settings().unwrap());
        assert_eq!(
            schedule,
            RetrySchedule {
                http: RetryPolicy::default(),
                item: ItemBackoff {
                    base: Duration::from_secs(30),
                },
                max_attempts: 3,
                max_abandoned: 10,
                output_retries: 2,
            }
        );
    }

    #[test]
    fn an_unreadable_answer_is_asked_for_again_output_retries_more_times() {
        assert_eq!(schedule().output_tries(), 3);
        let none = RetrySchedule {
            output_retries: 0,
            ..schedule()
        };
        assert_eq!(none.output_tries(), 1);
    }
}
