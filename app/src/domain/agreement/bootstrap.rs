//! Seeded percentile-bootstrap intervals for statistics of a confusion matrix, and for
//! Krippendorff's α over units.
//!
//! Resampling n verdicts with replacement is the same as drawing the cell
//! counts from a multinomial with the observed cell shares, so we resample the
//! matrix itself: no raw rows needed, and each resample costs O(cells) binomial
//! draws instead of O(n), which matters at a million verdicts. (rand_distr
//! 0.4's binomial is only reliable for totals below 2³¹ verdicts.) Units for α are
//! resampled the same way: units with the same label counts are one kind, and a
//! resample draws how many of each kind.

use super::{
    cohen_kappa, f1_score, CoincidenceMatrix, ConfusionMatrix, Interval, KappaWeighting,
    MeasurementLevel,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use serde::{Deserialize, Serialize};

/// Below this share of resamples with a defined statistic, the interval is `None`:
/// percentiles of a few surviving resamples would look precise but are not.
pub const MIN_DEFINED_SHARE: f64 = 0.5;

/// How many resamples to draw and from which seed (same seed ⇒ same interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootstrapConfig {
    pub resamples: u32,
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            resamples: 1000,
            seed: 0,
        }
    }
}

/// A 95% percentile-bootstrap interval around a point estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapInterval {
    /// The statistic on the observed matrix.
    pub estimate: f64,
    /// 2.5th and 97.5th percentiles of the defined resampled values.
    pub interval: Interval,
    /// Resamples where the statistic was defined (the others are skipped).
    pub defined_resamples: u32,
    pub resamples: u32,
}

/// Bootstrap interval for Cohen's kappa with the given weighting.
pub fn bootstrap_cohen_kappa(
    matrix: &ConfusionMatrix,
    weighting: KappaWeighting,
    config: BootstrapConfig,
) -> Option<BootstrapInterval> {
    bootstrap_percentile_interval(matrix, config, |m| cohen_kappa(m, weighting))
}

/// Bootstrap interval for F1 of the `positive` class.
pub fn bootstrap_f1(
    matrix: &ConfusionMatrix,
    positive: usize,
    config: BootstrapConfig,
) -> Option<BootstrapInterval> {
    bootstrap_percentile_interval(matrix, config, |m| f1_score(m, positive))
}

/// Percentile bootstrap of any matrix statistic.
///
/// `None` when the statistic is undefined on the observed matrix, or when fewer
/// than [`MIN_DEFINED_SHARE`] of the resamples give a defined value.
pub fn bootstrap_percentile_interval(
    matrix: &ConfusionMatrix,
    config: BootstrapConfig,
    statistic: impl Fn(&ConfusionMatrix) -> Option<f64>,
) -> Option<BootstrapInterval> {
    let estimate = statistic(matrix)?;
    percentile_interval(estimate, config, |rng| {
        let counts = multinomial(matrix.counts(), rng);
        let drawn = ConfusionMatrix::from_counts(matrix.classes(), counts)
            .expect("same shape as the input");
        statistic(&drawn)
    })
}

/// Units that share their label counts: `counts[v]` coders gave value `v`, in each of `units`
/// units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitKind {
    pub counts: Vec<u64>,
    pub units: u64,
}

/// Bootstrap interval for Krippendorff's α, resampling units (items) with replacement.
///
/// `None` when α is undefined on the observed units, or on too few resamples (see
/// [`bootstrap_percentile_interval`]).
pub fn bootstrap_krippendorff_alpha(
    values: usize,
    kinds: &[UnitKind],
    level: MeasurementLevel,
    config: BootstrapConfig,
) -> Option<BootstrapInterval> {
    let alpha_of = |weights: &[u64]| {
        let units = kinds
            .iter()
            .zip(weights)
            .map(|(kind, &w)| (&kind.counts[..], w));
        CoincidenceMatrix::from_weighted_units(values, units)
            .ok()?
            .alpha(level)
    };
    let observed: Vec<u64> = kinds.iter().map(|kind| kind.units).collect();
    let estimate = alpha_of(&observed)?;
    percentile_interval(estimate, config, |rng| {
        alpha_of(&multinomial(&observed, rng))
    })
}

/// The percentile interval of `config.resamples` values of `draw` around `estimate`.
pub(super) fn percentile_interval(
    estimate: f64,
    config: BootstrapConfig,
    mut draw: impl FnMut(&mut ChaCha8Rng) -> Option<f64>,
) -> Option<BootstrapInterval> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut values: Vec<f64> = (0..config.resamples)
        .filter_map(|_| draw(&mut rng))
        .collect();
    let defined = values.len();
    if defined == 0 || (defined as f64) < MIN_DEFINED_SHARE * f64::from(config.resamples) {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(BootstrapInterval {
        estimate,
        interval: Interval {
            lower: percentile(&values, 0.025),
            upper: percentile(&values, 0.975),
        },
        defined_resamples: defined as u32,
        resamples: config.resamples,
    })
}

/// Draws a multinomial resample of `counts` with the same total.
///
/// Sequential conditional binomials: cell i gets Bin(draws left, cᵢ / weight
/// left). Integer counts keep the conditional probabilities exact.
pub(super) fn multinomial(counts: &[u64], rng: &mut ChaCha8Rng) -> Vec<u64> {
    let mut draws_left: u64 = counts.iter().sum();
    let mut weight_left = draws_left;
    counts
        .iter()
        .map(|&count| {
            let drawn = if count == 0 || draws_left == 0 {
                0
            } else if count == weight_left {
                draws_left // the last occupied cell takes whatever is left
            } else {
                let share = count as f64 / weight_left as f64;
                Binomial::new(draws_left, share)
                    .expect("share is in (0, 1)")
                    .sample(rng)
            };
            draws_left -= drawn;
            weight_left -= count;
            drawn
        })
        .collect()
}

/// Linear-interpolation percentile of sorted values (numpy's default method).
fn percentile(sorted: &[f64], quantile: f64) -> f64 {
    let position = quantile * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * fraction
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::agreement::{accuracy, wilson_interval};

    fn judge_matrix() -> ConfusionMatrix {
        ConfusionMatrix::from_counts(2, vec![420, 60, 45, 475]).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_interval() {
        let config = BootstrapConfig {
            resamples: 300,
            seed: 42,
        };
        let first = bootstrap_cohen_kappa(&judge_matrix(), KappaWeighting::Unweighted, config);
        let second = bootstrap_cohen_kappa(&judge_matrix(), KappaWeighting::Unweighted, config);
        assert_eq!(first, second);
        let other_seed = BootstrapConfig { seed: 43, ..config };
        let third = bootstrap_cohen_kappa(&judge_matrix(), KappaWeighting::Unweighted, other_seed);
        assert_ne!(first, third);
    }

    #[test]
    fn the_interval_contains_the_point_estimate() {
        let config = BootstrapConfig::default();
        for result in [
            bootstrap_cohen_kappa(&judge_matrix(), KappaWeighting::Unweighted, config),
            bootstrap_f1(&judge_matrix(), 1, config),
        ] {
            let result = result.unwrap();
            assert!(result.interval.contains(result.estimate), "{result:?}");
            assert!(result.interval.upper - result.interval.lower < 0.15);
            assert_eq!(result.defined_resamples, 1000);
        }
    }

    #[test]
    fn resamples_keep_the_total_and_never_fill_empty_cells() {
        let matrix =
            ConfusionMatrix::from_counts(3, vec![500_000, 0, 7, 0, 300_000, 0, 3, 0, 199_990])
                .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..50 {
            let drawn = multinomial(matrix.counts(), &mut rng);
            assert_eq!(drawn.iter().sum::<u64>(), matrix.total());
            for (original, drawn) in matrix.counts().iter().zip(&drawn) {
                assert!(*original > 0 || *drawn == 0);
            }
        }
    }

    #[test]
    fn the_resampled_accuracy_spreads_like_a_binomial_proportion() {
        // Checks the multinomial resampling itself: for accuracy the bootstrap
        // interval must be close to the analytic Wilson interval.
        let matrix = judge_matrix();
        let config = BootstrapConfig {
            resamples: 2000,
            seed: 7,
        };
        let bootstrap = bootstrap_percentile_interval(&matrix, config, accuracy).unwrap();
        let wilson = wilson_interval(matrix.agreements(), matrix.total()).unwrap();
        let width = |i: Interval| i.upper - i.lower;
        let ratio = width(bootstrap.interval) / width(wilson);
        assert!((0.9..1.1).contains(&ratio), "width ratio {ratio}");
    }

    #[test]
    fn an_undefined_statistic_gives_no_interval() {
        let one_class = ConfusionMatrix::from_counts(2, vec![0, 0, 0, 10]).unwrap();
        let config = BootstrapConfig::default();
        assert_eq!(
            bootstrap_cohen_kappa(&one_class, KappaWeighting::Unweighted, config),
            None
        );
        assert_eq!(bootstrap_f1(&ConfusionMatrix::new(2), 1, config), None);
    }

    /// Two coders on a pass/fail scale: agreeing units of each label, and disagreeing ones.
    fn coded_units(pass: u64, fail: u64, split: u64) -> Vec<UnitKind> {
        vec![
            UnitKind {
                counts: vec![2, 0],
                units: pass,
            },
            UnitKind {
                counts: vec![0, 2],
                units: fail,
            },
            UnitKind {
                counts: vec![1, 1],
                units: split,
            },
        ]
    }

    #[test]
    fn alpha_over_unit_kinds_equals_alpha_over_the_units() {
        let kinds = coded_units(40, 35, 10);
        let units: Vec<Vec<u64>> = kinds
            .iter()
            .flat_map(|kind| std::iter::repeat_n(kind.counts.clone(), kind.units as usize))
            .collect();
        let direct = super::super::krippendorff_alpha(2, &units, MeasurementLevel::Nominal)
            .unwrap()
            .unwrap();
        let result = bootstrap_krippendorff_alpha(
            2,
            &kinds,
            MeasurementLevel::Nominal,
            BootstrapConfig::default(),
        )
        .unwrap();
        assert!((result.estimate - direct).abs() < 1e-12);
        assert!(result.interval.contains(result.estimate), "{result:?}");
        assert!(
            result.interval.lower > 0.5 && result.interval.upper < 0.95,
            "{result:?}"
        );
    }

    #[test]
    fn fewer_units_give_a_wider_alpha_interval() {
        let width = |kinds: &[UnitKind]| {
            let result = bootstrap_krippendorff_alpha(
                2,
                kinds,
                MeasurementLevel::Nominal,
                BootstrapConfig::default(),
            )
            .unwrap();
            result.interval.upper - result.interval.lower
        };
        assert!(width(&coded_units(40, 35, 10)) > width(&coded_units(400, 350, 100)));
    }

    #[test]
    fn alpha_without_disagreement_is_certain_and_with_one_label_undefined() {
        let config = BootstrapConfig::default();
        let perfect = bootstrap_krippendorff_alpha(
            2,
            &coded_units(5, 5, 0),
            MeasurementLevel::Nominal,
            config,
        )
        .unwrap();
        assert_eq!((perfect.interval.lower, perfect.interval.upper), (1.0, 1.0));
        let one_label = bootstrap_krippendorff_alpha(
            2,
            &coded_units(5, 0, 0),
            MeasurementLevel::Nominal,
            config,
        );
        assert_eq!(one_label, None);
        assert_eq!(
            bootstrap_krippendorff_alpha(2, &[], MeasurementLevel::Nominal, config),
            None
        );
    }

    #[test]
    fn percentile_interpolates_like_numpy() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&sorted, 0.5), 3.0);
        assert!((percentile(&sorted, 0.025) - 1.1).abs() < 1e-12);
        assert!((percentile(&sorted, 0.975) - 4.9).abs() < 1e-12);
    }
}
