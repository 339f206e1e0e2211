//! The operations sampler. Once per interval it
//! - counts the waiting items of every task per state (`queue_sample`): the interval's start is
//!   the sample's key, so of several processes sampling at once only the first one writes;
//! - recomputes the hourly activity (`activity_roll_up`) from two hours back, or from the last
//!   hour rolled up if that is older (after a time without any sampler running);
//! - drops queue samples older than the retention.
//!
//! A failed tick (the database away) is logged and tried again at the next interval.

use app::db::sampler;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sqlx::PgPool;
use std::future::Future;
use std::time::Duration;

/// How the sampler runs.
#[derive(Debug, Clone, Copy)]
pub struct SamplerSettings {
    /// Time between samples.
    pub interval: Duration,
    /// Queue samples older than this are deleted.
    pub retention: Duration,
}

/// Hours recomputed at each tick, so that work recorded late (a long transaction's rows carry
/// its start time) is still counted in its hour.
const LATE_MARGIN: TimeDelta = TimeDelta::hours(2);

/// What one tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Queue-sample rows written; 0 when another process sampled this interval.
    pub samples_written: i32,
    pub samples_deleted: u64,
}

/// Takes samples until `shutdown` resolves.
pub async fn run(pool: PgPool, settings: SamplerSettings, shutdown: impl Future<Output = ()>) {
    tracing::info!(
        interval_secs = settings.interval.as_secs(),
        "operations sampler started"
    );
    tokio::pin!(shutdown);
    loop {
        if let Err(error) = tick(&pool, &settings, Utc::now()).await {
            tracing::warn!(%error, "could not sample the queues or roll up the activity");
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(settings.interval) => {}
        }
    }
    tracing::info!("operations sampler stopped");
}

/// One round at time `now`.
pub async fn tick(
    pool: &PgPool,
    settings: &SamplerSettings,
    now: DateTime<Utc>,
) -> Result<Tick, sqlx::Error> {
    let samples_written =
        sampler::sample_queues(pool, interval_start(now, settings.interval)).await?;
    sampler::roll_up_activity(pool, now - LATE_MARGIN).await?;
    let retention = TimeDelta::from_std(settings.retention).unwrap_or(TimeDelta::MAX);
    let oldest_kept = now
        .checked_sub_signed(retention)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let samples_deleted = sampler::delete_samples_before(pool, oldest_kept).await?;
    Ok(Tick {
        samples_written,
        samples_deleted,
    })
}

/// The start of the sampling interval `now` falls in (intervals start at the Unix epoch).
pub fn interval_start(now: DateTime<Utc>, interval: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(interval)
        .ok()
        .filter(|step| *step > TimeDelta::zero())
        .and_then(|step| now.duration_trunc(step).ok())
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_keyed_by_the_start_of_their_interval() {
        let now: DateTime<Utc> = "2026-11-26T10:07:42.5Z".parse().unwrap();
        let minute = interval_start(now, Duration::from_secs(60));
        assert_eq!(
            minute,
            "2026-11-26T10:07:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let five = interval_start(now, Duration::from_secs(300));
        assert_eq!(
            five,
            "2026-11-26T10:05:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(interval_start(now, Duration::ZERO), now);
    }
}
