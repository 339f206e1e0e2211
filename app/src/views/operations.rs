//! The operations dashboards of a task: queue depth per state over time, work done per hour
//! (judged, reviewed, decided), the human share of decisions, the judge's tokens and cost per
//! day, and each annotator's throughput. Read from the sampler's tables (migration 0013), so
//! the figures lag by at most one sampling interval.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The periods the dashboards offer, in days.
pub const PERIODS: [u32; 4] = [1, 7, 30, 90];

/// How many items of the task waited in each state at the last sample of one bin of the chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueuePoint {
    /// The start of the bin.
    pub at: DateTime<Utc>,
    pub queued: u64,
    pub judging: u64,
    pub human_review: u64,
    pub adjudication: u64,
    pub failed: u64,
}

/// Work done on the task in one hour (UTC).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityHour {
    pub hour: DateTime<Utc>,
    /// Items the judge answered (by cojudge's workers or imported), and judgments that failed.
    pub judged: u64,
    pub judge_errors: u64,
    /// Judgments of candidate judges (`cojudge judge eval`).
    pub evaluated: u64,
    /// Human answers, skips and adjudications (undone answers are not counted).
    pub answers: u64,
    pub skips: u64,
    pub adjudications: u64,
    /// Final verdicts written, by who decided them.
    pub verdicts_judge: u64,
    pub verdicts_human: u64,
    pub verdicts_adjudicated: u64,
    /// Tokens and cost of every judgment above.
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
}

impl ActivityHour {
    /// Adds `other`'s figures to these (its hour aside).
    pub fn add(&mut self, other: &ActivityHour) {
        self.judged += other.judged;
        self.judge_errors += other.judge_errors;
        self.evaluated += other.evaluated;
        self.answers += other.answers;
        self.skips += other.skips;
        self.adjudications += other.adjudications;
        self.verdicts_judge += other.verdicts_judge;
        self.verdicts_human += other.verdicts_human;
        self.verdicts_adjudicated += other.verdicts_adjudicated;
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.cost_usd += other.cost_usd;
    }
}

/// The same figures summed over one day (UTC), with the human share of decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityDay {
    pub day: NaiveDate,
    pub totals: ActivityHour,
    /// Of the final verdicts written that day, the share people decided (human or
    /// adjudicated); `None` on a day without verdicts.
    pub human_share: Option<f64>,
}

/// One annotator's answers on the task in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AnnotatorThroughput {
    pub name: String,
    pub answers: u64,
    pub skips: u64,
    pub adjudications: u64,
    /// Hours in which they answered at least once.
    pub active_hours: u64,
    /// Answers and adjudications per active hour.
    pub per_active_hour: Option<f64>,
    /// Answers and adjudications per day, one entry per day of the period (oldest first).
    pub per_day: Vec<u64>,
}

/// Everything the dashboards draw for one task and period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Operations {
    pub task: String,
    pub days: u32,
    /// The period: from the start of its first hour to now.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The width of each queue-depth bin, in minutes.
    pub queue_bin_minutes: u32,
    /// Oldest first; bins without a sample are left out.
    pub queue: Vec<QueuePoint>,
    /// When the queue was last sampled (any time, not only in the period).
    pub last_sample_at: Option<DateTime<Utc>>,
    /// Every hour of the period, oldest first (hours without work are zeros).
    pub hours: Vec<ActivityHour>,
    /// Every day of the period, oldest first.
    pub days_totals: Vec<ActivityDay>,
    /// Per annotator, most answers first; only for admins (`None` for other roles).
    pub annotators: Option<Vec<AnnotatorThroughput>>,
}
