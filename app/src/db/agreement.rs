//! Reads the agreement counters (`agreement_cells`, `calibration_cells`, kept by triggers; see
//! migration 0008): a few hundred rows per task however many verdicts it has.

use crate::views::metrics::{EvaluationSummary, Sample};
use serde_json::Value;
use sqlx::PgPool;
use std::collections::BTreeMap;

/// A judge configuration with reviewed items in the sample.
#[derive(Debug, Clone)]
pub struct ConfigRow {
    pub id: i64,
    pub model: String,
    pub prompt_version: String,
    pub mode: String,
    pub confidence_method: String,
}

/// One counter: how often humans said `human_label` and the judge `judge_label`, among items
/// of one design weight.
#[derive(Debug, Clone)]
pub struct CellRow {
    /// `""` for the overall verdict.
    pub criterion: String,
    pub generator_version: String,
    pub week: chrono::NaiveDate,
    pub human_label: String,
    pub judge_label: String,
    /// The items' design weight in stream-wide estimates (1/π; 0 outside the stream).
    pub stream_weight: f64,
    pub pairs: i64,
}

/// One confidence bucket (hundredths; -1 = no confidence given), among items of one design
/// weight.
#[derive(Debug, Clone, Copy)]
pub struct CalibrationRow {
    pub bucket: i16,
    pub stream_weight: f64,
    pub pairs: i64,
    pub agreed: i64,
}

/// How often one configuration's overall verdict matched people's, among items of one design
/// weight.
#[derive(Debug, Clone, Copy)]
pub struct ConfigTotal {
    pub judge_config_id: i64,
    pub stream_weight: f64,
    pub pairs: i64,
    pub agreed: i64,
}

/// Which counters a sample reads, as the statements' `$sample` parameter spells it.
fn sample_name(sample: Sample) -> &'static str {
    match sample {
        Sample::Stream => "stream",
        Sample::Unbiased => "unbiased",
        Sample::AllReviewed => "all_reviewed",
    }
}

/// Configurations of `task_id` with reviewed items in the sample, newest first.
pub async fn configs(
    pool: &PgPool,
    task_id: i64,
    sample: Sample,
) -> Result<Vec<ConfigRow>, sqlx::Error> {
    sqlx::query_as!(
        ConfigRow,
        "SELECT c.id, c.model, c.prompt_version, c.mode, c.confidence_method
         FROM judge_configs c
         WHERE c.task_id = $1
           AND EXISTS (SELECT 1 FROM calibration_cells k
                       WHERE k.task_id = $1 AND k.judge_config_id = c.id AND k.pairs > 0
                         AND CASE $2 WHEN 'stream' THEN k.stream_weight > 0
                                     WHEN 'unbiased' THEN k.unbiased ELSE true END)
         ORDER BY c.id DESC",
        task_id,
        sample_name(sample)
    )
    .fetch_all(pool)
    .await
}

/// The counters of one configuration in the sample, summed per design weight.
pub async fn cells(
    pool: &PgPool,
    task_id: i64,
    judge_config_id: i64,
    sample: Sample,
) -> Result<Vec<CellRow>, sqlx::Error> {
    sqlx::query_as!(
        CellRow,
        r#"SELECT criterion, generator_version, week, human_label, judge_label, stream_weight,
                  sum(pairs)::bigint AS "pairs!"
           FROM agreement_cells
           WHERE task_id = $1 AND judge_config_id = $2
             AND CASE $3 WHEN 'stream' THEN stream_weight > 0
                         WHEN 'unbiased' THEN unbiased ELSE true END
           GROUP BY criterion, generator_version, week, human_label, judge_label, stream_weight
           HAVING sum(pairs) > 0"#,
        task_id,
        judge_config_id,
        sample_name(sample)
    )
    .fetch_all(pool)
    .await
}

/// Overall-verdict agreement of every configuration in the sample, per design weight.
pub async fn config_totals(
    pool: &PgPool,
    task_id: i64,
    sample: Sample,
) -> Result<Vec<ConfigTotal>, sqlx::Error> {
    sqlx::query_as!(
        ConfigTotal,
        r#"SELECT judge_config_id, stream_weight, sum(pairs)::bigint AS "pairs!",
                  sum(agreed)::bigint AS "agreed!"
           FROM calibration_cells
           WHERE task_id = $1
             AND CASE $2 WHEN 'stream' THEN stream_weight > 0
                         WHEN 'unbiased' THEN unbiased ELSE true END
           GROUP BY judge_config_id, stream_weight"#,
        task_id,
        sample_name(sample)
    )
    .fetch_all(pool)
    .await
}

/// The confidence histogram of one configuration in the sample, per design weight.
pub async fn calibration(
    pool: &PgPool,
    task_id: i64,
    judge_config_id: i64,
    sample: Sample,
) -> Result<Vec<CalibrationRow>, sqlx::Error> {
    sqlx::query_as!(
        CalibrationRow,
        r#"SELECT bucket, stream_weight, sum(pairs)::bigint AS "pairs!",
                  sum(agreed)::bigint AS "agreed!"
           FROM calibration_cells
           WHERE task_id = $1 AND judge_config_id = $2
             AND CASE $3 WHEN 'stream' THEN stream_weight > 0
                         WHEN 'unbiased' THEN unbiased ELSE true END
           GROUP BY bucket, stream_weight HAVING sum(pairs) > 0 ORDER BY bucket"#,
        task_id,
        judge_config_id,
        sample_name(sample)
    )
    .fetch_all(pool)
    .await
}

/// A golden item the configuration judged: its known labels and the judge's answer.
#[derive(Debug, Clone)]
pub struct GoldenJudgment {
    /// criterion → the team's label.
    pub golden: Value,
    /// criterion → `{label, confidence, rationale}`.
    pub judge: Value,
    pub judge_qualified: bool,
}

/// The golden items of `task_id` that `judge_config_id` judged (with an answer), with their
/// known labels: the judge on items of known truth. Golden sets are small (chosen by the team),
/// so they are read as is rather than counted by triggers.
pub async fn golden_judgments(
    pool: &PgPool,
    task_id: i64,
    judge_config_id: i64,
) -> Result<Vec<GoldenJudgment>, sqlx::Error> {
    sqlx::query_as!(
        GoldenJudgment,
        r#"SELECT i.golden AS "golden!", j.criteria AS "judge!", j.qualified AS "judge_qualified!"
           FROM items i
           JOIN judgments j ON j.item_id = i.id AND j.judge_config_id = $2
           WHERE i.task_id = $1 AND i.golden IS NOT NULL
             AND j.criteria IS NOT NULL AND j.qualified IS NOT NULL"#,
        task_id,
        judge_config_id
    )
    .fetch_all(pool)
    .await
}

/// How often, on the items both configurations judged in the stream sample, people said
/// `human`, the current judge `current` and the candidate `candidate`, per criterion (`""` for
/// the overall verdict, `pass`/`fail`).
#[derive(Debug, Clone)]
pub struct PairedLabels {
    pub criterion: String,
    pub human: String,
    pub current: String,
    pub candidate: String,
    pub items: i64,
}

/// [`PairedLabels`] of `candidate` against `current` on `task_id`.
pub async fn paired_labels(
    pool: &PgPool,
    task_id: i64,
    current: i64,
    candidate: i64,
) -> Result<Vec<PairedLabels>, sqlx::Error> {
    sqlx::query_as!(
        PairedLabels,
        r#"WITH common AS (
               SELECT c.labels AS candidate_labels, b.labels AS current_labels, c.human_qualified,
                      b.judge_qualified AS current_qualified, c.judge_qualified AS candidate_qualified
               FROM agreement_pairs c
               JOIN agreement_pairs b ON b.item_id = c.item_id AND b.judge_config_id = $2
               WHERE c.task_id = $1 AND c.judge_config_id = $3 AND c.stream_weight > 0)
           SELECT e.key AS "criterion!", e.value ->> 0 AS "human!", m.current AS "current!",
                  e.value ->> 1 AS "candidate!", count(*) AS "items!"
             FROM common
             CROSS JOIN LATERAL jsonb_each(candidate_labels) e
             CROSS JOIN LATERAL (SELECT current_labels -> e.key ->> 1 AS current) m
            WHERE m.current IS NOT NULL
            GROUP BY 1, 2, 3, 4
           UNION ALL
           SELECT '', CASE WHEN human_qualified THEN 'pass' ELSE 'fail' END,
                  CASE WHEN current_qualified THEN 'pass' ELSE 'fail' END,
                  CASE WHEN candidate_qualified THEN 'pass' ELSE 'fail' END, count(*)
             FROM common
            GROUP BY 1, 2, 3, 4"#,
        task_id,
        current,
        candidate
    )
    .fetch_all(pool)
    .await
}

/// Label pairs between annotators of `task_id`: (criterion, answers per unit, label a, label b,
/// pairs), summed over items (see migration 0009).
pub async fn annotator_pairs(
    pool: &PgPool,
    task_id: i64,
) -> Result<Vec<(String, i32, String, String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT criterion, answers, label_a, label_b, pairs FROM iaa_cells
         WHERE task_id = $1 AND pairs <> 0",
        task_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            (
                row.criterion,
                row.answers,
                row.label_a,
                row.label_b,
                row.pairs,
            )
        })
        .collect())
}

/// Items with two or more standing answers, per criterion and label counts: (criterion, label →
/// annotators who gave it, items). Items with the same counts are interchangeable for α, so
/// these few rows are all its bootstrap needs.
pub async fn annotator_unit_kinds(
    pool: &PgPool,
    task_id: i64,
) -> Result<Vec<(String, sqlx::types::Json<BTreeMap<String, u64>>, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT criterion, counts AS "counts: sqlx::types::Json<BTreeMap<String, u64>>",
                  count(*) AS "count!"
           FROM iaa_units WHERE task_id = $1
           GROUP BY criterion, counts ORDER BY criterion, counts::text"#,
        task_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.criterion, row.counts, row.count))
        .collect())
}

/// Candidate judges tried on `task_id` (`cojudge judge eval`), newest first.
pub async fn evaluations(
    pool: &PgPool,
    task_id: i64,
) -> Result<Vec<EvaluationSummary>, sqlx::Error> {
    let rows = sqlx::query_as!(
        EvaluationRow,
        "SELECT e.id, e.judge_config_id, e.baseline_config_id, c.model, c.mode, c.confidence_method,
                c.prompt_version, e.items, e.errors, e.started_at, e.promoted_at
         FROM judge_evaluations e JOIN judge_configs c ON c.id = e.judge_config_id
         WHERE e.task_id = $1 ORDER BY e.id DESC LIMIT 50",
        task_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(EvaluationRow::into_summary).collect())
}

struct EvaluationRow {
    id: i64,
    judge_config_id: i64,
    baseline_config_id: Option<i64>,
    model: String,
    mode: String,
    confidence_method: String,
    prompt_version: String,
    items: i32,
    errors: i32,
    started_at: chrono::DateTime<chrono::Utc>,
    promoted_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl EvaluationRow {
    fn into_summary(self) -> EvaluationSummary {
        EvaluationSummary {
            id: self.id,
            judge_config: self.judge_config_id,
            baseline_config: self.baseline_config_id,
            paired: None,
            model: self.model,
            mode: self.mode,
            confidence_method: self.confidence_method,
            prompt_version: self.prompt_version,
            items: self.items,
            errors: self.errors,
            started_at: self.started_at,
            promoted_at: self.promoted_at,
        }
    }
}
