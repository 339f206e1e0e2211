//! Agreement statistics between the LLM judge and human annotators.
//!
//! Everything here works from aggregated counts (confusion cells, per-unit value
//! counts, confidence histograms) so the app can aggregate in SQL and never
//! needs the raw verdict rows. Labels are class indexes `0..classes`; for the
//! judge-vs-human view the "pass" class is the positive class.
//!
//! Undefined statistics (division by zero, a single class, too little data) are
//! returned as `None` instead of NaN, so they serialise cleanly to the browser.
//! The reference tests (`reference_tests.rs`) pin every statistic to
//! scikit-learn, the `krippendorff` PyPI package and statsmodels to 1e-9.

mod bootstrap;
mod calibration;
mod classification;
mod confusion;
mod interval;
mod krippendorff;
mod paired;
mod pairwise;
mod risk_coverage;
mod weighted;

#[cfg(test)]
mod reference_tests;

pub use bootstrap::{
    bootstrap_cohen_kappa, bootstrap_f1, bootstrap_krippendorff_alpha,
    bootstrap_percentile_interval, BootstrapConfig, BootstrapInterval, UnitKind, MIN_DEFINED_SHARE,
};
pub use calibration::{reliability_diagram, ConfidenceBucket, ReliabilityBin, ReliabilityDiagram};
pub use classification::{
    accuracy, cohen_kappa, f1_score, precision, recall, summarize, Cells, ClassificationSummary,
    KappaWeighting,
};
pub use confusion::ConfusionMatrix;
pub use interval::{
    wilson_interval, wilson_interval_effective, wilson_interval_with_z, Interval, Z_95,
};
pub use krippendorff::{krippendorff_alpha, CoincidenceMatrix, MeasurementLevel};
pub use paired::{compare_paired, mcnemar_exact, PairedComparison, PairedOutcomes};
pub use pairwise::{pairwise_cohen_kappa, AnnotatorLabel, PairwiseKappa};
pub use risk_coverage::{
    recommend_threshold, risk_coverage_curve, RiskCoveragePoint, ThresholdRecommendation,
};
pub use weighted::{
    effective_sample_size, stratified_bootstrap, weighted_proportion, weighted_share, Stratum,
    WeightedConfusion, WeightedProportion,
};

use serde::{Deserialize, Serialize};

/// Why an input could not be turned into a statistic's input structure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgreementError {
    /// A label is not a valid class index (`label >= classes`).
    LabelOutOfRange { label: usize, classes: usize },
    /// A flat count vector does not have the length the class count implies.
    WrongCountLength { expected: usize, actual: usize },
}

impl core::fmt::Display for AgreementError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::LabelOutOfRange { label, classes } => {
                write!(f, "label {label} is outside 0..{classes}")
            }
            Self::WrongCountLength { expected, actual } => {
                write!(f, "expected {expected} counts, got {actual}")
            }
        }
    }
}

impl std::error::Error for AgreementError {}

/// Checks that `label` is a class index for a scale of `classes` values.
fn check_label(label: usize, classes: usize) -> Result<usize, AgreementError> {
    if label < classes {
        Ok(label)
    } else {
        Err(AgreementError::LabelOutOfRange { label, classes })
    }
}
