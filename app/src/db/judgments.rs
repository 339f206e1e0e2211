//! Judgments outside the queue's lease: the judge configurations they are recorded under, the
//! columns of one judgment ([`JudgmentRow`]), and a candidate judge's answers recorded by
//! `cojudge judge eval`. Recording a judgment that routes an item is the judge queue's finish,
//! [`super::queue::judge::record`].

use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

/// The judge configuration and prices a judgment is recorded under.
#[derive(Debug, Clone, Copy)]
pub struct Provenance {
    pub judge_config_id: i64,
    pub rubric_version: i32,
    /// USD per million prompt and completion tokens, when configured.
    pub prices: Option<(f64, f64)>,
}

impl Provenance {
    /// What `usage` cost at the configured prices, if any.
    pub(crate) fn cost(&self, usage: &TokenUsage) -> Option<f64> {
        self.prices.map(|(prompt, completion)| {
            (usage.prompt_tokens as f64 * prompt + usage.completion_tokens as f64 * completion)
                / 1_000_000.0
        })
    }
}

/// Tokens and HTTP attempts a judgment spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub attempts: u32,
}

/// A judgment's columns: the judge's answer read (labels with confidence and rationale per
/// criterion, verdict, grade), or the reason its answers were unreadable.
#[derive(Debug, Clone)]
pub struct JudgmentRow<'a> {
    /// Per criterion: `{label, confidence, rationale}`; `None` when unreadable.
    pub criteria: Option<Value>,
    /// Per criterion: the label alone, the judge's verdict if the item is auto-accepted.
    pub labels: Option<Value>,
    pub qualified: Option<bool>,
    pub grade: Option<&'a str>,
    pub confidence: Option<f64>,
    /// Why the answers could not be read.
    pub error: Option<&'a str>,
    pub usage: TokenUsage,
    pub latency: Duration,
}

impl JudgmentRow<'_> {
    /// Attempts as stored: at least one.
    pub(crate) fn attempts(&self) -> i32 {
        self.usage.attempts.max(1) as i32
    }

    /// Latency in whole milliseconds, capped to the column's range.
    pub(crate) fn latency_ms(&self) -> i32 {
        self.latency.as_millis().min(i32::MAX as u128) as i32
    }
}

/// Records a candidate judge's answer on an item (`cojudge judge eval`): a judgment with source
/// `evaluation`, which neither routes the item nor touches its verdict. Idempotent per (item,
/// configuration).
pub async fn record_evaluation(
    pool: &PgPool,
    item_id: i64,
    provenance: &Provenance,
    judgment: &JudgmentRow<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO judgments (item_id, judge_config_id, source, criteria, qualified, grade, confidence,
                                error, attempts, prompt_tokens, completion_tokens, latency_ms, cost_usd)
         VALUES ($1, $2, 'evaluation', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::float8::numeric)
         ON CONFLICT (item_id, judge_config_id) DO NOTHING",
        item_id,
        provenance.judge_config_id,
        judgment.criteria.clone(),
        judgment.qualified,
        judgment.grade,
        judgment.confidence,
        judgment.error,
        judgment.attempts(),
        judgment.usage.prompt_tokens as i32,
        judgment.usage.completion_tokens as i32,
        judgment.latency_ms(),
        provenance.cost(&judgment.usage),
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// What identifies a judge configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JudgeConfigKey {
    pub task_id: i64,
    pub model: String,
    pub prompt_version: String,
    pub rubric_version: i32,
    pub mode: &'static str,
    pub confidence_method: &'static str,
}

/// The id of the judge configuration `key`, if it was ever used.
pub async fn find_judge_config(
    pool: &PgPool,
    key: &JudgeConfigKey,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM judge_configs
         WHERE task_id = $1 AND model = $2 AND prompt_version = $3 AND mode = $4 AND confidence_method = $5",
        key.task_id,
        key.model,
        key.prompt_version,
        key.mode,
        key.confidence_method,
    )
    .fetch_optional(pool)
    .await
}

/// The id of the judge configuration (created when new), with `settings` recorded on creation.
pub async fn judge_config(
    pool: &PgPool,
    key: &JudgeConfigKey,
    settings: &Value,
) -> Result<i64, sqlx::Error> {
    sqlx::query!(
        "INSERT INTO judge_configs (task_id, model, prompt_version, rubric_version, mode, confidence_method, settings)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (task_id, model, prompt_version, mode, confidence_method) DO NOTHING",
        key.task_id,
        key.model,
        key.prompt_version,
        key.rubric_version,
        key.mode,
        key.confidence_method,
        settings,
    )
    .execute(pool)
    .await?;
    find_judge_config(pool, key)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}
