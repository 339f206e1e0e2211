//! Reads of the operations sampler's tables (migration 0013): queue-depth samples binned for a
//! chart, hourly activity, and each annotator's hours. A period's rows number in the hundreds
//! per task; the full tables are never scanned.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The number of items in `state` at the last sample of one bin.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueBin {
    pub bin: DateTime<Utc>,
    pub state: String,
    pub items: i64,
}

/// The queue of `task_id` since `from`, in bins of `bin_minutes` from `from`: each bin's last
/// sample per state (so the latest bin is the queue as last sampled).
pub async fn queue_bins(
    pool: &PgPool,
    task_id: i64,
    from: DateTime<Utc>,
    bin_minutes: u32,
) -> Result<Vec<QueueBin>, sqlx::Error> {
    sqlx::query_as!(
        QueueBin,
        r#"SELECT DISTINCT ON (1, 2) date_bin(make_interval(mins => $3), sampled_at, $2) AS "bin!",
                  state, items
             FROM queue_samples
            WHERE task_id = $1 AND sampled_at >= $2
            ORDER BY 1, 2, sampled_at DESC"#,
        task_id,
        from,
        bin_minutes as i32
    )
    .fetch_all(pool)
    .await
}

/// When the queues of `task_id` were last sampled.
pub async fn last_sample_at(
    pool: &PgPool,
    task_id: i64,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT max(sampled_at) FROM queue_samples WHERE task_id = $1",
        task_id
    )
    .fetch_one(pool)
    .await
}

/// One row of `activity_hours`.
#[derive(Debug, Clone, PartialEq)]
pub struct HourRow {
    pub hour: DateTime<Utc>,
    pub judged: i64,
    pub judge_errors: i64,
    pub evaluated: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost_usd: f64,
    pub answers: i64,
    pub skips: i64,
    pub adjudications: i64,
    pub verdicts_judge: i64,
    pub verdicts_human: i64,
    pub verdicts_adjudicated: i64,
}

/// The hours of `task_id` with any work since `from`, oldest first.
pub async fn activity_hours(
    pool: &PgPool,
    task_id: i64,
    from: DateTime<Utc>,
) -> Result<Vec<HourRow>, sqlx::Error> {
    sqlx::query_as!(
        HourRow,
        r#"SELECT hour, judged, judge_errors, evaluated, prompt_tokens, completion_tokens,
                  cost_usd::float8 AS "cost_usd!", answers, skips, adjudications,
                  verdicts_judge, verdicts_human, verdicts_adjudicated
             FROM activity_hours
            WHERE task_id = $1 AND hour >= $2
            ORDER BY hour"#,
        task_id,
        from
    )
    .fetch_all(pool)
    .await
}

/// One annotator's answers on a task in one hour.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatorHourRow {
    pub user_id: i64,
    pub name: String,
    pub hour: DateTime<Utc>,
    pub answers: i64,
    pub skips: i64,
    pub adjudications: i64,
}

/// Every annotator's hours on `task_id` since `from`.
pub async fn annotator_hours(
    pool: &PgPool,
    task_id: i64,
    from: DateTime<Utc>,
) -> Result<Vec<AnnotatorHourRow>, sqlx::Error> {
    sqlx::query_as!(
        AnnotatorHourRow,
        "SELECT h.user_id, u.display_name AS name, h.hour, h.answers, h.skips, h.adjudications
           FROM annotator_hours h JOIN users u ON u.id = h.user_id
          WHERE h.task_id = $1 AND h.hour >= $2
          ORDER BY h.user_id, h.hour",
        task_id,
        from
    )
    .fetch_all(pool)
    .await
}
