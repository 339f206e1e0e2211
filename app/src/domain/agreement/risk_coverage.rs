//! Risk–coverage curve and the auto-accept threshold recommendation.
//!
//! Verdicts with judge confidence ≥ t are auto-accepted; the rest go to humans. Lowering t
//! saves human work (more coverage) but admits less certain verdicts. The curve is estimated
//! over the whole stream from weighted buckets (below the routing threshold every item is
//! reviewed, above it the audit stands for the rest, so every t is estimable).
//!
//! The recommendation keeps its promise although it looks at many thresholds: **fixed-sequence
//! testing** ("Learn then Test", Angelopoulos et al. 2021). From the highest threshold down, each
//! threshold's null hypothesis "agreement(t) < target" is tested with a one-sided 95% Wilson
//! bound at Kish's effective sample size, and the sequence stops at the first it cannot reject;
//! every threshold before the stop is certified together, with 95% confidence, so the lowest of
//! them is recommended. The sequence starts at the highest threshold with enough items that
//! full agreement could certify it — decided by the counts alone, never by the answers — since
//! a handful of top verdicts could never pass and would end every sequence at once.

use super::interval::wilson_of_share;
use super::{wilson_interval_effective, ConfidenceBucket, Interval};
use serde::{Deserialize, Serialize};

/// One-sided 95% normal quantile, `Φ⁻¹(0.95)`, as scipy computes it.
pub const Z_ONE_SIDED_95: f64 = 1.6448536269514722;

/// Auto-accepting every verdict with confidence ≥ `threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RiskCoveragePoint {
    pub threshold: f64,
    /// Reviewed verdicts at or above the threshold.
    pub accepted: u64,
    /// Of them, those that matched the human verdict.
    pub agreed: u64,
    /// Share of the stream at or above the threshold (weighted).
    pub coverage: f64,
    /// Weighted share of those that agree with humans (1 - risk).
    pub agreement: f64,
    /// 95% Wilson interval of `agreement` at the effective sample size.
    pub agreement_interval: Interval,
    /// Kish's effective sample size of the accepted reviewed verdicts.
    pub effective_sample_size: f64,
}

/// The threshold that saves the most human work while keeping the promise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ThresholdRecommendation {
    /// Auto-accept verdicts with confidence ≥ this value.
    pub threshold: f64,
    pub target_agreement: f64,
    /// With this confidence, auto-accepted verdicts agree with humans at least
    /// `target_agreement` of the time (fixed-sequence testing, one-sided).
    pub confidence_level: f64,
    /// Share of the stream that still needs a human (confidence < threshold).
    pub human_share: f64,
    pub coverage: f64,
    /// Reviewed verdicts at or above the threshold, and all reviewed verdicts.
    pub accepted: u64,
    pub total: u64,
    pub agreement: f64,
    /// Two-sided 95% interval of `agreement` (its one-sided 95% lower bound met the target).
    pub agreement_interval: Interval,
    /// Thresholds tested in sequence before (and including) this one.
    pub thresholds_tested: u32,
}

/// Per distinct confidence: weighted sums, accumulated from the top.
#[derive(Default, Clone, Copy)]
struct Sums {
    items: u64,
    agreed: u64,
    weight: f64,
    weighted_agreed: f64,
    weight_squared: f64,
}

impl Sums {
    fn add(&mut self, total: u64, agreed: u64, weight: f64) {
        self.items += total;
        self.agreed += agreed;
        self.weight += weight * total as f64;
        self.weighted_agreed += weight * agreed as f64;
        self.weight_squared += weight * weight * total as f64;
    }

    fn effective_sample_size(&self) -> f64 {
        self.weight * self.weight / self.weight_squared
    }

    fn agreement(&self) -> f64 {
        (self.weighted_agreed / self.weight).clamp(0.0, 1.0)
    }
}

/// One point per distinct confidence value, ordered from the highest threshold (least coverage)
/// to the lowest (all verdicts accepted).
pub fn risk_coverage_curve(buckets: &[ConfidenceBucket]) -> Vec<RiskCoveragePoint> {
    let mut usable: Vec<(f64, u64, u64, f64)> = buckets
        .iter()
        .filter_map(|bucket| {
            let (confidence, total, agreed) = bucket.usable()?;
            Some((confidence, total, agreed, bucket.weight))
        })
        .collect();
    usable.sort_by(|a, b| b.0.total_cmp(&a.0));
    let stream: f64 = usable.iter().map(|&(_, n, _, w)| w * n as f64).sum();
    let mut curve: Vec<RiskCoveragePoint> = Vec::new();
    let mut sums = Sums::default();
    for (index, &(confidence, total, agreed, weight)) in usable.iter().enumerate() {
        sums.add(total, agreed, weight);
        // Buckets sharing a confidence value are one threshold: emit after the last.
        if usable
            .get(index + 1)
            .is_some_and(|next| next.0 == confidence)
        {
            continue;
        }
        let effective = sums.effective_sample_size();
        let agreement = sums.agreement();
        curve.push(RiskCoveragePoint {
            threshold: confidence,
            accepted: sums.items,
            agreed: sums.agreed,
            coverage: sums.weight / stream,
            agreement,
            agreement_interval: wilson_interval_effective(agreement, effective)
                .expect("accepted > 0"),
            effective_sample_size: effective,
        });
    }
    curve
}

/// The one-sided 95% lower bound of a point's agreement.
fn lower_bound(point: &RiskCoveragePoint) -> f64 {
    wilson_of_share(point.agreement, point.effective_sample_size, Z_ONE_SIDED_95)
        .map_or(0.0, |interval| interval.lower)
}

/// Effective items below which even full agreement cannot certify `target`: the one-sided
/// Wilson lower bound of a share of 1 at n is n / (n + z²), which reaches `target` from
/// n = z²·target / (1 − target) on.
fn items_needed(target: f64) -> f64 {
    if target >= 1.0 {
        f64::INFINITY
    } else {
        Z_ONE_SIDED_95 * Z_ONE_SIDED_95 * target / (1.0 - target)
    }
}

/// The lowest threshold certified by fixed-sequence testing at `target_agreement` (see the
/// module documentation); `None` when the first threshold tested fails: every verdict should go
/// to a human.
pub fn recommend_threshold(
    buckets: &[ConfidenceBucket],
    target_agreement: f64,
) -> Option<ThresholdRecommendation> {
    let curve = risk_coverage_curve(buckets);
    let total = curve.last()?.accepted;
    let needed = items_needed(target_agreement);
    let mut certified = None;
    let mut tested = 0u32;
    for point in curve
        .iter()
        .skip_while(|point| point.effective_sample_size < needed)
    {
        tested += 1;
        if lower_bound(point) < target_agreement {
            break;
        }
        certified = Some((point, tested));
    }
    let (best, tested) = certified?;
    Some(ThresholdRecommendation {
        threshold: best.threshold,
        target_agreement,
        confidence_level: 0.95,
        human_share: 1.0 - best.coverage,
        coverage: best.coverage,
        accepted: best.accepted,
        total,
        agreement: best.agreement,
        agreement_interval: best.agreement_interval,
        thresholds_tested: tested,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

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
    fn audited_buckets_count_for_the_confident_items_they_stand_for() {
        // Above the routing threshold a 10% audit: 40 reviewed stand for 400.
        let buckets = [
            ConfidenceBucket::weighted(0.95, 40, 38, 10.0),
            bucket(0.6, 100, 70),
        ];
        let curve = risk_coverage_curve(&buckets);
        assert_eq!(curve[0].coverage, 0.8);
        assert!((curve[1].agreement - (380.0 + 70.0) / 500.0).abs() < 1e-12);
        assert_eq!(curve[0].effective_sample_size, 40.0);
        // (400 + 100)² / (4000 + 100)
        assert!((curve[1].effective_sample_size - 250_000.0 / 4_100.0).abs() < 1e-9);
    }

    #[test]
    fn the_recommendation_is_the_last_threshold_certified_in_sequence() {
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
        assert_eq!(recommendation.thresholds_tested, 2);
        // The next threshold down misses the target, and the sequence stops there.
        let curve = risk_coverage_curve(&buckets);
        assert!(lower_bound(&curve[2]) < 0.95);
    }

    #[test]
    fn a_failing_threshold_ends_the_sequence_even_if_a_lower_one_would_pass() {
        // 0.95 fails; below it agreement recovers, but looking further would spend the promise.
        let buckets = [
            bucket(0.99, 400, 399),
            bucket(0.95, 400, 340),
            bucket(0.9, 4000, 3990),
        ];
        let recommendation = recommend_threshold(&buckets, 0.95).unwrap();
        assert_eq!(recommendation.threshold, 0.99);
    }

    #[test]
    fn too_few_top_verdicts_to_certify_anything_are_passed_over_unseen() {
        // 20 verdicts could not certify 95% even if all agreed (58 needed): the sequence starts
        // below them, whatever they say.
        let buckets = [bucket(0.99, 20, 10), bucket(0.9, 2000, 1990)];
        assert!(items_needed(0.95) > 20.0 && items_needed(0.95) < 60.0);
        let recommendation = recommend_threshold(&buckets, 0.95).unwrap();
        assert_eq!(recommendation.threshold, 0.9);
        assert_eq!(recommendation.human_share, 0.0);
        assert_eq!(recommendation.thresholds_tested, 1);
    }

    #[test]
    fn no_safe_threshold_sends_everything_to_humans() {
        let buckets = [bucket(0.99, 80, 70), bucket(0.6, 50, 30)];
        assert_eq!(recommend_threshold(&buckets, 0.95), None);
        assert_eq!(recommend_threshold(&[], 0.95), None);
    }

    /// One synthetic stream routed as cojudge routes it: confidences in hundredths, people agree
    /// with the judge with probability `truth(c)`; below the routing threshold every item is
    /// reviewed, above it an audit at `audit_rate`. Returns the weighted buckets the counters
    /// would hold, and each threshold's true agreement over every item of the stream.
    fn stream(
        rng: &mut ChaCha8Rng,
        items: usize,
        routing_threshold: f64,
        audit_rate: f64,
        truth: impl Fn(f64) -> f64,
    ) -> (Vec<ConfidenceBucket>, Vec<(f64, f64)>) {
        // Per hundredth: (all items, all agreeing, reviewed, reviewed agreeing).
        let mut cells = [(0u64, 0u64, 0u64, 0u64); 101];
        for _ in 0..items {
            let hundredths = rng.gen_range(50..=100usize);
            let confidence = hundredths as f64 / 100.0;
            let agrees = rng.gen::<f64>() < truth(confidence);
            let reviewed = confidence < routing_threshold || rng.gen::<f64>() < audit_rate;
            let cell = &mut cells[hundredths];
            cell.0 += 1;
            cell.1 += u64::from(agrees);
            if reviewed {
                cell.2 += 1;
                cell.3 += u64::from(agrees);
            }
        }
        let mut buckets = Vec::new();
        let mut truths = Vec::new();
        let (mut all, mut agreeing) = (0u64, 0u64);
        for hundredths in (0..=100usize).rev() {
            let (n, a, reviewed, reviewed_agreeing) = cells[hundredths];
            let confidence = hundredths as f64 / 100.0;
            if reviewed > 0 {
                let weight = if confidence < routing_threshold {
                    1.0
                } else {
                    1.0 / audit_rate
                };
                buckets.push(ConfidenceBucket::weighted(
                    confidence,
                    reviewed,
                    reviewed_agreeing,
                    weight,
                ));
            }
            all += n;
            agreeing += a;
            if all > 0 {
                truths.push((confidence, agreeing as f64 / all as f64));
            }
        }
        (buckets, truths)
    }

    /// The promise, checked by simulation: over many seeded streams with a known truth, the
    /// recommended threshold's true agreement falls below the target in no more than about 5%
    /// of runs. The judges are made so that the target is met down to a threshold near the
    /// routing threshold, where a rule that looked for the best threshold without paying for
    /// the look would often overshoot.
    #[test]
    fn the_recommended_threshold_keeps_its_promise_in_about_95_percent_of_streams() {
        let target = 0.9;
        let runs = 300;
        let mut broken = 0;
        let mut recommended = 0;
        for seed in 0..runs {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            // A slightly overconfident judge: people agree with it c − 0.04 of the time.
            let (buckets, truths) = stream(&mut rng, 100_000, 0.8, 0.1, |c| c - 0.04);
            let Some(recommendation) = recommend_threshold(&buckets, target) else {
                continue;
            };
            recommended += 1;
            let truth = truths
                .iter()
                .find(|(threshold, _)| *threshold == recommendation.threshold)
                .map(|(_, agreement)| *agreement)
                .expect("a threshold of the stream");
            if truth < target {
                broken += 1;
            }
        }
        eprintln!("promise broken in {broken} of {recommended} recommendations ({runs} streams)");
        assert!(recommended > runs * 9 / 10, "{recommended} recommendations");
        let share = broken as f64 / recommended as f64;
        assert!(
            share <= 0.07,
            "promise broken in {broken} of {recommended} runs"
        );
    }
}
