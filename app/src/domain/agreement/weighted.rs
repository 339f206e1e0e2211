//! Estimates over the whole stream the judge works on, from the items people reviewed.
//!
//! Routing sends every unsure item to people (a census, inclusion probability π = 1) and a
//! uniform random sample of the confident ones (the audit, π = the audit rate). Each reviewed
//! item therefore stands for 1/π items of the stream: its **design weight**. A statistic over the
//! stream is estimated from the weighted confusion table — each cell the sum of its items'
//! weights — which is Hájek's estimator for accuracy (Σ w·1[agree] / Σ w) and what
//! scikit-learn computes with `sample_weight=w` for every statistic (`shared/MEASUREMENT.md`).
//!
//! The reviewed items come in [`Stratum`]s: items sharing one inclusion probability, counted in
//! one [`ConfusionMatrix`]. Intervals account for the weights: proportions (accuracy, precision,
//! recall) use Wilson with Kish's effective sample size, (Σw)² / Σw²; F1 and κ a seeded
//! bootstrap that resamples items within each stratum.

use super::bootstrap::{multinomial, percentile_interval};
use super::{
    wilson_interval_effective, BootstrapConfig, BootstrapInterval, Cells, ConfusionMatrix, Interval,
};

/// Reviewed items that reached people with one inclusion probability, and how humans and judge
/// labelled them.
#[derive(Debug, Clone, PartialEq)]
pub struct Stratum {
    /// Each item's design weight, 1/π: how many items of the stream it stands for.
    pub weight: f64,
    pub matrix: ConfusionMatrix,
}

/// A confusion table of design weights: `cell(human, judge)` estimates how many items of the
/// stream humans would label `human` where the judge said `judge`.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedConfusion {
    classes: usize,
    cells: Vec<f64>,
}

impl WeightedConfusion {
    /// Σ over strata of weight × count, cell by cell. Strata must share one scale.
    pub fn of(classes: usize, strata: &[Stratum]) -> Self {
        let mut cells = vec![0.0; classes * classes];
        for stratum in strata {
            debug_assert_eq!(stratum.matrix.classes(), classes);
            for (cell, &count) in cells.iter_mut().zip(stratum.matrix.counts()) {
                *cell += stratum.weight * count as f64;
            }
        }
        WeightedConfusion { classes, cells }
    }

    /// Row-major weighted cells (rows = human, columns = judge).
    pub fn cells(&self) -> &[f64] {
        &self.cells
    }
}

impl Cells for WeightedConfusion {
    fn classes(&self) -> usize {
        self.classes
    }

    fn cell(&self, reference: usize, prediction: usize) -> f64 {
        self.cells[reference * self.classes + prediction]
    }
}

/// Kish's effective sample size of the reviewed items in the cells `keep(human, judge)`
/// selects: (Σw)² / Σw², the number of unweighted items that would give as precise an estimate.
/// 0 when no item is selected.
pub fn effective_sample_size(strata: &[Stratum], keep: impl Fn(usize, usize) -> bool) -> f64 {
    weighted_proportion(strata, keep, |_, _| true).map_or(0.0, |share| share.effective_sample_size)
}

/// A weighted share with its interval and the effective sample size behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedProportion {
    pub value: f64,
    /// 95% Wilson interval at the effective sample size.
    pub interval: Option<Interval>,
    pub effective_sample_size: f64,
}

/// The weighted share of the items in `among(human, judge)` that are also in `success(human,
/// judge)`, e.g. accuracy (all cells; the diagonal), precision (judge said pass; human said
/// pass). `None` when `among` selects no item.
pub fn weighted_proportion(
    strata: &[Stratum],
    among: impl Fn(usize, usize) -> bool,
    success: impl Fn(usize, usize) -> bool,
) -> Option<WeightedProportion> {
    weighted_share(strata.iter().map(|stratum| {
        let items = selected(&stratum.matrix, &among);
        let successes = selected(&stratum.matrix, |h, j| among(h, j) && success(h, j));
        (stratum.weight, items, successes)
    }))
}

/// The weighted share of successes over groups of `(weight, items, successes)`: Σ w·s / Σ w·n,
/// with a Wilson interval at Kish's effective sample size (Σ w·n)² / Σ w²·n. With every weight
/// 1 it is the plain share and the plain Wilson interval. `None` when there is no item.
pub fn weighted_share(
    groups: impl IntoIterator<Item = (f64, u64, u64)>,
) -> Option<WeightedProportion> {
    let (mut total, mut successes, mut sum_of_squares) = (0.0, 0.0, 0.0);
    for (weight, items, hits) in groups {
        total += weight * items as f64;
        successes += weight * hits as f64;
        sum_of_squares += weight * weight * items as f64;
    }
    if total <= 0.0 {
        return None;
    }
    let value = (successes / total).clamp(0.0, 1.0);
    let effective_sample_size = total * total / sum_of_squares;
    Some(WeightedProportion {
        value,
        interval: wilson_interval_effective(value, effective_sample_size),
        effective_sample_size,
    })
}

/// Percentile-bootstrap interval of a weighted statistic: each resample draws, within every
/// stratum, as many items as it holds with replacement (a multinomial over its cells), and
/// recomputes `statistic` on the weighted table. Seeded, so the same counts give the same
/// interval. `None` as [`super::bootstrap_percentile_interval`].
pub fn stratified_bootstrap(
    strata: &[Stratum],
    config: BootstrapConfig,
    statistic: impl Fn(&WeightedConfusion) -> Option<f64>,
) -> Option<BootstrapInterval> {
    let classes = strata.first()?.matrix.classes();
    let estimate = statistic(&WeightedConfusion::of(classes, strata))?;
    percentile_interval(estimate, config, |rng| {
        let drawn: Vec<Stratum> = strata
            .iter()
            .map(|stratum| Stratum {
                weight: stratum.weight,
                matrix: ConfusionMatrix::from_counts(
                    classes,
                    multinomial(stratum.matrix.counts(), rng),
                )
                .expect("same shape as the stratum"),
            })
            .collect();
        statistic(&WeightedConfusion::of(classes, &drawn))
    })
}

/// Items of `matrix` in the cells `keep` selects.
fn selected(matrix: &ConfusionMatrix, keep: impl Fn(usize, usize) -> bool) -> u64 {
    let k = matrix.classes();
    (0..k)
        .flat_map(|human| (0..k).map(move |judge| (human, judge)))
        .filter(|&(human, judge)| keep(human, judge))
        .map(|(human, judge)| matrix.count(human, judge))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::agreement::{accuracy, cohen_kappa, KappaWeighting};

    /// A census of 100 unsure items (60 agreed) and an audit at 5% of 40 confident items (38
    /// agreed), binary, pass = 0.
    fn strata() -> Vec<Stratum> {
        vec![
            Stratum {
                weight: 1.0,
                matrix: ConfusionMatrix::from_counts(2, vec![30, 20, 20, 30]).unwrap(),
            },
            Stratum {
                weight: 20.0,
                matrix: ConfusionMatrix::from_counts(2, vec![36, 1, 1, 2]).unwrap(),
            },
        ]
    }

    #[test]
    fn the_weighted_table_counts_each_audited_item_for_the_confident_items_it_stands_for() {
        let table = WeightedConfusion::of(2, &strata());
        assert_eq!(table.cells(), &[750.0, 40.0, 40.0, 70.0]);
        // Hájek: (60 + 20·38) / (100 + 20·40) = 820 / 900.
        assert!((accuracy(&table).unwrap() - 820.0 / 900.0).abs() < 1e-15);
    }

    #[test]
    fn kish_counts_the_audit_for_less_than_its_weight() {
        // (100 + 800)² / (100 + 400·40) = 810000 / 16100.
        let n = effective_sample_size(&strata(), |_, _| true);
        assert!((n - 810_000.0 / 16_100.0).abs() < 1e-9);
        // Equal weights: the plain count.
        let census = &strata()[..1];
        assert_eq!(effective_sample_size(census, |_, _| true), 100.0);
        assert_eq!(effective_sample_size(&[], |_, _| true), 0.0);
    }

    #[test]
    fn a_weighted_proportion_is_wider_than_its_unweighted_count_would_claim() {
        let accuracy = weighted_proportion(&strata(), |_, _| true, |h, j| h == j).unwrap();
        assert!((accuracy.value - 820.0 / 900.0).abs() < 1e-15);
        let interval = accuracy.interval.unwrap();
        assert!(interval.contains(accuracy.value));
        // As wide as 50 plain items would give, not the 140 reviewed.
        let as_if_unweighted = wilson_interval_effective(accuracy.value, 140.0).unwrap();
        assert!(
            interval.upper - interval.lower
                > 1.5 * (as_if_unweighted.upper - as_if_unweighted.lower)
        );
        // Precision (judge said pass): (30 + 20·36) / (30 + 20 + 20·37).
        let precision = weighted_proportion(&strata(), |_, j| j == 0, |h, _| h == 0).unwrap();
        assert!((precision.value - 750.0 / 790.0).abs() < 1e-15);
        assert!(weighted_proportion(&strata(), |_, _| false, |_, _| true).is_none());
    }

    #[test]
    fn the_stratified_bootstrap_is_seeded_and_brackets_the_estimate() {
        let config = BootstrapConfig {
            resamples: 400,
            seed: 7,
        };
        let kappa = |t: &WeightedConfusion| cohen_kappa(t, KappaWeighting::Unweighted);
        let first = stratified_bootstrap(&strata(), config, kappa).unwrap();
        let again = stratified_bootstrap(&strata(), config, kappa).unwrap();
        assert_eq!(first, again);
        assert!(first.interval.contains(first.estimate));
        assert_eq!(
            first.estimate,
            cohen_kappa(
                &WeightedConfusion::of(2, &strata()),
                KappaWeighting::Unweighted
            )
            .unwrap()
        );
    }

    /// The Hájek estimate over synthetic streams with a known truth, routed as cojudge routes
    /// them (a census below the threshold, a 10% audit above): its mean error over the seeds
    /// lies within two standard errors of zero, whereas the unweighted share of the reviewed
    /// items (mostly the judge's hard cases) is far off.
    #[test]
    fn the_stream_estimate_is_unbiased_where_the_reviewed_share_is_not() {
        use rand::{Rng, SeedableRng};
        let runs = 200;
        let (mut errors, mut naive_errors) = (Vec::new(), Vec::new());
        for seed in 0..runs {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mut census = ConfusionMatrix::new(2);
            let mut audit = ConfusionMatrix::new(2);
            let (mut items, mut agreeing) = (0u64, 0u64);
            for _ in 0..20_000 {
                let confidence: f64 = rng.gen_range(0.5..1.0);
                // People agree with the judge as often as its confidence says.
                let agrees = rng.gen::<f64>() < confidence;
                items += 1;
                agreeing += u64::from(agrees);
                let cell = if agrees { (0, 0) } else { (0, 1) };
                if confidence < 0.8 {
                    census.add(cell.0, cell.1, 1).unwrap();
                } else if rng.gen::<f64>() < 0.1 {
                    audit.add(cell.0, cell.1, 1).unwrap();
                }
            }
            let truth = agreeing as f64 / items as f64;
            let strata = [
                Stratum {
                    weight: 1.0,
                    matrix: census.clone(),
                },
                Stratum {
                    weight: 10.0,
                    matrix: audit.clone(),
                },
            ];
            let estimate = weighted_proportion(&strata, |_, _| true, |h, j| h == j)
                .unwrap()
                .value;
            errors.push(estimate - truth);
            let reviewed = census.total() + audit.total();
            let naive = (census.agreements() + audit.agreements()) as f64 / reviewed as f64;
            naive_errors.push(naive - truth);
        }
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
        let bias = mean(&errors);
        let spread = (errors.iter().map(|e| (e - bias) * (e - bias)).sum::<f64>()
            / (errors.len() - 1) as f64)
            .sqrt();
        let standard_error = spread / (errors.len() as f64).sqrt();
        assert!(
            bias.abs() <= 2.0 * standard_error,
            "bias {bias}, standard error {standard_error}"
        );
        assert!(
            mean(&naive_errors) < -0.05,
            "the reviewed share is biased low"
        );
    }

    #[test]
    fn counts_read_as_weighted_cells_give_the_integer_statistics() {
        let matrix = ConfusionMatrix::from_counts(3, vec![5, 1, 0, 2, 7, 1, 0, 3, 9]).unwrap();
        let once = WeightedConfusion::of(
            3,
            &[Stratum {
                weight: 1.0,
                matrix: matrix.clone(),
            }],
        );
        for weighting in [
            KappaWeighting::Unweighted,
            KappaWeighting::Linear,
            KappaWeighting::Quadratic,
        ] {
            assert_eq!(
                cohen_kappa(&once, weighting),
                cohen_kappa(&matrix, weighting)
            );
        }
        assert_eq!(accuracy(&once), accuracy(&matrix));
    }
}
