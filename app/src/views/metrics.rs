//! How well a task's judge agrees with humans: the figures the metrics page and
//! `GET /api/v1/tasks/{task}/metrics` show, and the query that selects them.

use crate::domain::agreement::{
    Interval, MeasurementLevel, PairedComparison, ReliabilityDiagram, RiskCoveragePoint,
    ThresholdRecommendation,
};
use serde::{Deserialize, Serialize};

/// Which verdicts the figures count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sample {
    /// The whole stream the judge works on, estimated from the reviewed items with their design
    /// weights (1/π: the census of unsure items counts once, each audited item for the confident
    /// items it was drawn from). Golden items are left out (not a sample of the stream).
    #[default]
    Stream,
    /// Audit and golden items only, unweighted: sent to humans whatever the judge's confidence,
    /// but only from above the routing threshold.
    Unbiased,
    /// Every human-reviewed item, including those sent to humans because the judge was unsure:
    /// biased towards the judge's hard cases.
    AllReviewed,
}

/// What to compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsQuery {
    pub sample: Sample,
    /// The judge configuration; the task's most recent one with reviewed items when `None`.
    pub judge_config: Option<i64>,
    /// The agreement the threshold recommendation aims at, e.g. 0.95.
    pub target_agreement: f64,
}

impl Default for MetricsQuery {
    fn default() -> Self {
        MetricsQuery {
            sample: Sample::Stream,
            judge_config: None,
            target_agreement: 0.95,
        }
    }
}

/// A statistic with its 95% interval: Wilson for proportions (at Kish's effective sample size
/// on the stream), a seeded bootstrap for κ and F1 (resampling items within each stratum on the
/// stream).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub value: f64,
    pub interval: Option<Interval>,
}

/// Judge against humans on one criterion, or on the overall verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CriterionAgreement {
    /// The criterion's name; `None` for the overall verdict (qualified or not).
    pub criterion: Option<String>,
    /// Reviewed items compared.
    pub pairs: u64,
    /// The labels, in the scale's order; rows and columns of `confusion`.
    pub labels: Vec<String>,
    /// `confusion[human][judge]`: how often humans said one label and the judge another; on
    /// the stream, the sums of the items' design weights (how many items of the stream).
    pub confusion: Vec<Vec<f64>>,
    /// On the stream: how many judged items the reviewed ones stand for (the sum of weights).
    pub stream_items: Option<f64>,
    /// On the stream: Kish's effective sample size of the reviewed items, (Σw)² / Σw².
    pub effective_sample_size: Option<f64>,
    pub accuracy: Option<Estimate>,
    /// Passing labels as the positive class (as RecGPT reports it).
    pub precision: Option<Estimate>,
    pub recall: Option<Estimate>,
    pub f1: Option<Estimate>,
    /// Cohen's κ, unweighted.
    pub kappa: Option<Estimate>,
}

/// The judge on golden items, against the team's known labels (not people's verdicts):
/// unweighted, never mixed into the other figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GoldenAgreement {
    /// The overall verdict: qualified iff every known label passes.
    pub overall: CriterionAgreement,
    pub criteria: Vec<CriterionAgreement>,
}

/// A judge configuration, as the figures name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JudgeConfigSummary {
    pub id: i64,
    pub model: String,
    pub prompt_version: String,
    pub mode: String,
    pub confidence_method: String,
    /// Items of the sample this configuration judged and humans reviewed.
    pub pairs: u64,
    /// Agreement on the overall verdict.
    pub accuracy: Option<Estimate>,
}

/// Agreement on the overall verdict within one slice (a generator version or a week).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SliceAgreement {
    pub slice: String,
    pub pairs: u64,
    pub accuracy: Option<Estimate>,
}

impl SliceAgreement {
    /// Whether this slice's agreement is below `target` by more than its interval (its upper
    /// bound is under the target).
    pub fn below(&self, target: f64) -> bool {
        self.accuracy
            .as_ref()
            .and_then(|a| a.interval)
            .is_some_and(|interval| interval.upper < target)
    }
}

/// A task whose judge drifted: its latest week agrees with humans below the target by more
/// than the week's interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftNote {
    pub task: String,
    pub week: SliceAgreement,
    pub target: f64,
}

/// The judge's confidence against how often it was right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Calibration {
    /// The sample calibration is computed on, the figures' own: on the stream, the risk–coverage
    /// curve and the recommendation are weighted (the reliability diagram counts reviewed items
    /// per confidence bin as they are).
    pub sample: Sample,
    pub reliability: ReliabilityDiagram,
    /// From the highest threshold down: what share would be auto-accepted, and how often
    /// those verdicts agree with humans.
    pub risk_coverage: Vec<RiskCoveragePoint>,
    pub target_agreement: f64,
    /// The lowest threshold certified by fixed-sequence testing: auto-accepted verdicts agree
    /// with humans at least the target share of the time, with 95% confidence, however many
    /// thresholds were looked at; `None` when none is certified.
    pub recommendation: Option<ThresholdRecommendation>,
    /// The task's routing threshold now.
    pub current_threshold: f64,
}

/// How far annotators agree with each other on one criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AnnotatorAgreement {
    pub criterion: String,
    /// Items with two or more answers.
    pub items: u64,
    /// Krippendorff's α: nominal on a pass/fail scale, ordinal on a graded one; `None` when
    /// undefined (no item with two answers, or only one label ever used).
    pub alpha: Option<f64>,
    /// Its 95% bootstrap interval, resampling items; `None` with α, or when too few resamples
    /// define α.
    pub alpha_interval: Option<Interval>,
    pub level: MeasurementLevel,
}

/// Two judges on exactly the same items (reviewed items of the stream both judged): each one's
/// Table 9 on that set, and the paired difference on the overall verdict with its test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PairedEvaluation {
    /// The current judge: the overall verdict first, then each criterion.
    pub current: Vec<CriterionAgreement>,
    /// The candidate, in the same order.
    pub candidate: Vec<CriterionAgreement>,
    pub comparison: PairedComparison,
}

/// A candidate judge tried with `cojudge judge eval`. Its agreement is its configuration's, in
/// `judge_configs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EvaluationSummary {
    pub id: i64,
    pub judge_config: i64,
    /// The task's judge when the candidate was tried, which it is compared with.
    pub baseline_config: Option<i64>,
    /// The candidate and that judge on exactly the same items; for the most recent runs.
    pub paired: Option<PairedEvaluation>,
    pub model: String,
    pub mode: String,
    pub confidence_method: String,
    pub prompt_version: String,
    /// Items the run judged, and how many of them failed.
    pub items: i32,
    pub errors: i32,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub promoted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Everything measured about a task's judge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaskMetrics {
    pub task: String,
    /// The task's current rubric version (a threshold applied from the page is based on it).
    pub rubric_version: i32,
    pub sample: Sample,
    /// The configuration the figures are for; `None` when no reviewed item has a judgment.
    pub judge_config: Option<JudgeConfigSummary>,
    /// Every configuration with reviewed items, newest first.
    pub judge_configs: Vec<JudgeConfigSummary>,
    pub overall: CriterionAgreement,
    pub criteria: Vec<CriterionAgreement>,
    /// The judge on golden items against their known labels; `None` when it judged none.
    pub golden: Option<GoldenAgreement>,
    pub by_generator_version: Vec<SliceAgreement>,
    /// Oldest week first; each week starts on Monday (UTC).
    pub by_week: Vec<SliceAgreement>,
    pub calibration: Calibration,
    /// Agreement between annotators, per criterion (all answers, whatever the sample).
    pub annotators: Vec<AnnotatorAgreement>,
    /// Candidate judges tried on the task, newest first.
    pub evaluations: Vec<EvaluationSummary>,
}

/// One annotator's quality on a task, for admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotatorQuality {
    pub name: String,
    pub answers: u64,
    /// Golden items' criterion labels matched, of how many.
    pub golden_labels: u64,
    pub golden_accuracy: Option<Estimate>,
    /// Answers on items whose final verdict others took part in (K ≥ 2 or adjudicated), and
    /// how often the answer matched it on every criterion.
    pub verdicts_compared: u64,
    pub verdict_agreement: Option<Estimate>,
}

/// Cohen's κ between two annotators on the overall verdict (qualified or not) of the items
/// both answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotatorPair {
    pub first: String,
    pub second: String,
    pub shared_items: u64,
    pub kappa: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotatorFigures {
    pub annotators: Vec<AnnotatorQuality>,
    pub pairs: Vec<AnnotatorPair>,
}
