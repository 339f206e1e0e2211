//! Reliability diagram and expected calibration error of the judge's confidence.
//!
//! Input is a confidence histogram (`ConfidenceBucket`s) that the app can
//! aggregate in SQL; "agreed" means the judge matched the human final verdict.
//! A calibrated judge that says 0.9 agrees with humans 90% of the time.

use super::{wilson_interval, Interval};
use serde::{Deserialize, Serialize};

/// Verdicts that share one confidence value (or one fine histogram bucket).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceBucket {
    /// Representative confidence of the bucket (value or lower edge), in [0, 1].
    pub confidence: f64,
    /// Verdicts in the bucket.
    pub total: u64,
    /// Verdicts in the bucket where the judge matched the human verdict.
    pub agreed: u64,
    /// Each verdict's design weight in stream-wide estimates (1/π; 1 when unweighted). The
    /// risk–coverage curve and the threshold recommendation weight by it; the reliability
    /// diagram, an agreement per confidence bin, counts verdicts as they are.
    pub weight: f64,
}

impl ConfidenceBucket {
    /// An unweighted bucket.
    pub const fn new(confidence: f64, total: u64, agreed: u64) -> Self {
        Self::weighted(confidence, total, agreed, 1.0)
    }

    /// A bucket of verdicts that each stand for `weight` items of the stream.
    pub const fn weighted(confidence: f64, total: u64, agreed: u64, weight: f64) -> Self {
        Self {
            confidence,
            total,
            agreed,
            weight,
        }
    }

    /// `(confidence, total, agreed)` ready for use, or `None` for a bucket that
    /// carries no information. Confidence is clamped to [0, 1] and `agreed`
    /// capped at `total`, so malformed SQL output cannot produce shares above 1;
    /// empty buckets and non-finite confidences are skipped.
    pub(super) fn usable(&self) -> Option<(f64, u64, u64)> {
        (self.total > 0 && self.confidence.is_finite() && self.weight > 0.0).then(|| {
            (
                self.confidence.clamp(0.0, 1.0),
                self.total,
                self.agreed.min(self.total),
            )
        })
    }
}

/// One equal-width confidence bin of the reliability diagram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReliabilityBin {
    pub lower: f64,
    pub upper: f64,
    pub total: u64,
    pub agreed: u64,
    /// Verdict-weighted mean confidence; `None` for an empty bin.
    pub mean_confidence: Option<f64>,
    /// `agreed / total`; `None` for an empty bin.
    pub observed_agreement: Option<f64>,
    /// 95% Wilson interval of `observed_agreement`.
    pub agreement_interval: Option<Interval>,
}

/// Reliability bins plus the expected calibration error over all verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReliabilityDiagram {
    pub bins: Vec<ReliabilityBin>,
    pub total: u64,
    /// `Σ (binᵢ total / total) · |observed agreementᵢ - mean confidenceᵢ|`;
    /// `None` without verdicts.
    pub expected_calibration_error: Option<f64>,
}

/// Groups buckets into `bin_count` equal-width bins over [0, 1].
///
/// Bin i covers `[i/bins, (i+1)/bins)`; the last bin also takes confidence 1.
/// A `bin_count` of 0 is treated as 1.
pub fn reliability_diagram(buckets: &[ConfidenceBucket], bin_count: usize) -> ReliabilityDiagram {
    let bin_count = bin_count.max(1);
    let mut totals = vec![0u64; bin_count];
    let mut agreed = vec![0u64; bin_count];
    let mut confidence_mass = vec![0.0f64; bin_count];
    for (confidence, total, bucket_agreed) in buckets.iter().filter_map(ConfidenceBucket::usable) {
        let index = ((confidence * bin_count as f64) as usize).min(bin_count - 1);
        totals[index] += total;
        agreed[index] += bucket_agreed;
        confidence_mass[index] += confidence * total as f64;
    }
    let bins: Vec<ReliabilityBin> = (0..bin_count)
        .map(|index| {
            let total = totals[index];
            let share = |value: f64| (total > 0).then(|| value / total as f64);
            ReliabilityBin {
                lower: index as f64 / bin_count as f64,
                upper: (index + 1) as f64 / bin_count as f64,
                total,
                agreed: agreed[index],
                mean_confidence: share(confidence_mass[index]),
                observed_agreement: share(agreed[index] as f64),
                agreement_interval: wilson_interval(agreed[index], total),
            }
        })
        .collect();
    let total: u64 = totals.iter().sum();
    let expected_calibration_error = (total > 0).then(|| {
        bins.iter()
            .filter_map(|bin| {
                let gap = bin.observed_agreement? - bin.mean_confidence?;
                Some(bin.total as f64 / total as f64 * gap.abs())
            })
            .sum()
    });
    ReliabilityDiagram {
        bins,
        total,
        expected_calibration_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(confidence: f64, total: u64, agreed: u64) -> ConfidenceBucket {
        ConfidenceBucket::new(confidence, total, agreed)
    }

    #[test]
    fn bins_add_up_to_the_histogram() {
        let buckets = [
            bucket(0.05, 10, 3),
            bucket(0.12, 4, 1),
            bucket(0.55, 20, 11),
            bucket(0.97, 100, 95),
            bucket(1.0, 6, 6),
        ];
        let diagram = reliability_diagram(&buckets, 10);
        assert_eq!(diagram.bins.len(), 10);
        assert_eq!(diagram.total, 140);
        assert_eq!(diagram.bins.iter().map(|b| b.total).sum::<u64>(), 140);
        assert_eq!(diagram.bins.iter().map(|b| b.agreed).sum::<u64>(), 116);
        let top = &diagram.bins[9];
        assert_eq!((top.total, top.agreed), (106, 101));
        assert!((top.mean_confidence.unwrap() - (97.0 + 6.0) / 106.0).abs() < 1e-12);
        assert_eq!(diagram.bins[3].mean_confidence, None);
    }

    #[test]
    fn expected_calibration_error_weights_each_bin_gap() {
        // Bin 0: says 0.2, agrees 50%; bin 1: says 0.8, agrees 80%.
        let buckets = [bucket(0.2, 10, 5), bucket(0.8, 30, 24)];
        let diagram = reliability_diagram(&buckets, 2);
        let expected = 10.0 / 40.0 * 0.3;
        assert!((diagram.expected_calibration_error.unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn an_empty_histogram_has_no_calibration_error() {
        let diagram = reliability_diagram(&[bucket(f64::NAN, 5, 5), bucket(0.4, 0, 0)], 10);
        assert_eq!(diagram.total, 0);
        assert_eq!(diagram.expected_calibration_error, None);
    }
}
