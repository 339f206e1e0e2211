//! Risk–coverage curve and the auto-accept threshold recommendation.
//!
//! Verdicts with judge confidence ≥ t are auto-accepted; the rest go to humans.
//! Lowering t saves human work (more coverage) but admits less certain
//! verdicts. We pick t from the Wilson *lower* bound so the promise "accepted
//! verdicts agree with humans at least this often" holds with 95% confidence.

use super::{wilson_interval, ConfidenceBucket, Interval};
use serde::{Deserialize, Serialize};

/// Auto-accepting every verdict with confidence ≥ `threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RiskCoveragePoint {
    pub threshold: f64,
    /// Verdicts at or above the threshold.
    pub accepted: u64,
    /// Accepted verdicts that matched the human verdict.
    pub agreed: u64,
    /// `accepted / all verdicts`.
    pub coverage: f64,
    /// `agreed / accepted` (1 - risk).
    pub agreement: f64,
    /// 95% Wilson interval of `agreement`.
    pub agreement_interval: Interval,
}

/// The threshold that saves the most human work while meeting the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ThresholdRecommendation {
    /// Auto-accept verdicts with confidence ≥ this value.
    pub threshold: f64,
    pub target_agreement: f64,
    /// Share of verdicts that still need a human (confidence < threshold).
    pub human_share: f64,
    pub coverage: f64,
    pub accepted: u64,
    pub total: u64,
    pub agreement: f64,
    /// Its lower bound is ≥ `target_agreement`.
    pub agreement_interval: Interval,
}

/// One point per distinct confidence value, ordered from the highest
/// threshold (least coverage) to the lowest (all verdicts accepted).
pub fn risk_coverage_curve(buckets: &[ConfidenceBucket]) -> Vec<RiskCoveragePoint> {
    let mut usable: Vec<(f64, u64, u64)> = buckets
        .iter()
        .filter_map(ConfidenceBucket::usable)
        .collect();
    usable.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: u64 = usable.iter().map(|&(_, count, _)| count).sum();
    let mut curve: Vec<RiskCoveragePoint> = Vec::new();
    let (mut accepted, mut agreed) = (0u64, 0u64);
    for (index, &(confidence, count, bucket_agreed)) in usable.iter().enumerate() {
        accepted += count;
        agreed += bucket_agreed;
        // Buckets sharing a confidence value are one threshold: emit after the last.
        let next_is_same = usable
            .get(index + 1)
            .is_some_and(|next| next.0 == confidence);
        if next_is_same {
            continue;
        }
        curve.push(RiskCoveragePoint {
            threshold: confidence,
            accepted,
            agreed,
            coverage: accepted as f64 / total as f64,
            agreement: agreed as f64 / accepted as f64,
            agreement_interval: wilson_interval(agreed, accepted).expect("accepted > 0"),
        });
    }
    curve
}

/// Lowest-workload threshold whose Wilson lower bound reaches `target_agreement`.
///
/// Every threshold is checked, not just down to the first failure from the
/// top, because agreement need not fall monotonically with confidence. `None`
/// means no threshold is safe: every verdict should go to a human.
pub fn recommend_threshold(
    buckets: &[ConfidenceBucket],
    target_agreement: f64,
) -> Option<ThresholdRecommendation> {
    let curve = risk_coverage_curve(buckets);
    let total = curve.last()?.accepted;
    let best = curve
        .into_iter()
        .filter(|point| point.agreement_interval.lower >= target_agreement)
        .max_by_key(|point| point.accepted)?;
    Some(ThresholdRecommendation {
        threshold: best.threshold,
        target_agreement,
        human_share: (total - best.accepted) as f64 / total as f64,
        coverage: best.coverage,
        accepted: best.accepted,
        total,
        agreement: best.agreement,
        agreement_interval: best.agreement_interval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(confidence: f64, total: u64, agreed: u64) -> ConfidenceBucket {
        ConfidenceBucket::new(confidence, total, agreed)
    }

    #[test]
    fn the_curve_accumulates_from_the_most_confident_bucket() {
        let buckets = [bucket(0.5, 10, 5), bucket(0.9, 30, 27), bucket(0.9, 10, 10)];
        let curve = risk_coverage_curve(&buckets);
        assert_eq!(curve.len(), 2);
        assert_eq!(
            (curve[0].threshold, curve[0].accepted, curve[0].agreed),
            (0.9, 40, 37)
        );
        assert_eq!(curve[0].coverage, 0.8);
        assert_eq!(
            (curve[1].accepted, curve[1].agreed, curve[1].coverage),
            (50, 42, 1.0)
        );
    }

    #[test]
    fn the_recommendation_is_the_lowest_threshold_whose_lower_bound_meets_the_target() {
        let buckets = [
            bucket(0.99, 500, 499),
            bucket(0.9, 500, 490),
            bucket(0.8, 500, 440),
            bucket(0.5, 500, 300),
        ];
        let recommendation = recommend_threshold(&buckets, 0.95).unwrap();
        assert_eq!(recommendation.threshold, 0.9);
        assert_eq!(
            (recommendation.accepted, recommendation.total),
            (1000, 2000)
        );
        assert_eq!(recommendation.human_share, 0.5);
        assert_eq!(recommendation.agreement, 0.989);
        assert!(recommendation.agreement_interval.lower >= 0.95);
        // The next threshold down would miss the target.
        let curve = risk_coverage_curve(&buckets);
        assert!(curve[2].agreement_interval.lower < 0.95);
    }

    #[test]
    fn a_bad_top_bucket_does_not_hide_a_safe_lower_threshold() {
        let buckets = [bucket(0.99, 20, 17), bucket(0.9, 2000, 1990)];
        let recommendation = recommend_threshold(&buckets, 0.95).unwrap();
        assert_eq!(recommendation.threshold, 0.9);
        assert_eq!(recommendation.human_share, 0.0);
    }

    #[test]
    fn no_safe_threshold_sends_everything_to_humans() {
        let buckets = [bucket(0.99, 50, 45), bucket(0.6, 50, 30)];
        assert_eq!(recommend_threshold(&buckets, 0.95), None);
        assert_eq!(recommend_threshold(&[], 0.95), None);
    }
}
