//! Accuracy, precision, recall, F1 and Cohen's kappa from a confusion matrix.
//!
//! Definitions follow scikit-learn (`accuracy_score`,
//! `precision_recall_fscore_support(average='binary', pos_label=...)`,
//! `cohen_kappa_score(weights=...)`). Where scikit-learn would warn and apply
//! `zero_division`, we return `None`; callers wanting sklearn's default
//! `zero_division=0` use `.unwrap_or(0.0)` — the reference tests check both.

use super::ConfusionMatrix;
use serde::{Deserialize, Serialize};

/// How disagreements between labels are penalised in Cohen's kappa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KappaWeighting {
    /// Every disagreement counts the same (nominal labels).
    Unweighted,
    /// Penalty grows with the grade distance `|i - j|` (graded scales).
    Linear,
    /// Penalty grows with the squared grade distance `(i - j)²`.
    Quadratic,
}

/// The headline statistics for one confusion matrix, ready for the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationSummary {
    pub total: u64,
    pub positive_class: usize,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    pub kappa: Option<f64>,
}

/// A k×k table of (reference, prediction) cells the statistics read: counts of verdicts
/// ([`ConfusionMatrix`]) or sums of their design weights ([`super::WeightedConfusion`]). Every
/// statistic is computed in `f64` from the cells, so counts give exactly what they gave as
/// integers (sums of whole numbers below 2⁵³ are exact).
pub trait Cells {
    /// Number of labels on the scale (k).
    fn classes(&self) -> usize;
    /// The cell with this reference label and this predicted label.
    fn cell(&self, reference: usize, prediction: usize) -> f64;

    /// Sum of every cell.
    fn cells_total(&self) -> f64 {
        let k = self.classes();
        (0..k)
            .flat_map(|row| (0..k).map(move |col| (row, col)))
            .map(|(row, col)| self.cell(row, col))
            .sum()
    }

    /// Sum of the diagonal: where the judge matched the reference.
    fn cells_agreeing(&self) -> f64 {
        (0..self.classes()).map(|c| self.cell(c, c)).sum()
    }

    /// Row sums (per reference label).
    fn row_totals(&self) -> Vec<f64> {
        let k = self.classes();
        (0..k)
            .map(|row| (0..k).map(|col| self.cell(row, col)).sum())
            .collect()
    }

    /// Column sums (per predicted label).
    fn column_totals(&self) -> Vec<f64> {
        let k = self.classes();
        (0..k)
            .map(|col| (0..k).map(|row| self.cell(row, col)).sum())
            .collect()
    }
}

impl Cells for ConfusionMatrix {
    fn classes(&self) -> usize {
        ConfusionMatrix::classes(self)
    }

    fn cell(&self, reference: usize, prediction: usize) -> f64 {
        self.count(reference, prediction) as f64
    }
}

/// Share of observations where the judge matched the reference; `None` when empty.
pub fn accuracy(matrix: &impl Cells) -> Option<f64> {
    ratio(matrix.cells_agreeing(), matrix.cells_total())
}

/// `tp / (tp + fp)` for `positive`; `None` when the judge never predicted it.
pub fn precision(matrix: &impl Cells, positive: usize) -> Option<f64> {
    let counts = PositiveCounts::of(matrix, positive);
    ratio(
        counts.true_positive,
        counts.true_positive + counts.false_positive,
    )
}

/// `tp / (tp + fn)` for `positive`; `None` when the reference never has it.
pub fn recall(matrix: &impl Cells, positive: usize) -> Option<f64> {
    let counts = PositiveCounts::of(matrix, positive);
    ratio(
        counts.true_positive,
        counts.true_positive + counts.false_negative,
    )
}

/// F1 for `positive` as `2tp / (2tp + fp + fn)`.
///
/// This form (used by scikit-learn ≥ 1.3) is 0 rather than undefined when only
/// precision is undefined; it is `None` only when `positive` appears nowhere.
pub fn f1_score(matrix: &impl Cells, positive: usize) -> Option<f64> {
    let counts = PositiveCounts::of(matrix, positive);
    let doubled = 2.0 * counts.true_positive;
    ratio(
        doubled,
        doubled + counts.false_positive + counts.false_negative,
    )
}

/// Cohen's kappa, `1 - Σ w·observed / Σ w·expected` as in scikit-learn.
///
/// Weights use the class index distance over the whole scale `0..k`, so an
/// unused middle grade still counts as a step (sklearn with `labels=range(k)`).
/// `None` when empty or when chance agreement is certain (e.g. one class only),
/// where sklearn returns NaN.
pub fn cohen_kappa(matrix: &impl Cells, weighting: KappaWeighting) -> Option<f64> {
    let total = matrix.cells_total();
    if total <= 0.0 {
        return None;
    }
    let references = matrix.row_totals();
    let predictions = matrix.column_totals();
    let mut observed = 0.0;
    let mut expected = 0.0;
    for (row, &reference_total) in references.iter().enumerate() {
        for (col, &prediction_total) in predictions.iter().enumerate() {
            let weight = disagreement_weight(weighting, row, col);
            observed += weight * matrix.cell(row, col);
            expected += weight * (reference_total * prediction_total);
        }
    }
    // Scaling expected counts by 1/n once, after summing, keeps more precision.
    let expected = expected / total;
    if expected == 0.0 {
        return None;
    }
    Some(1.0 - observed / expected)
}

/// All headline statistics at once; kappa is unweighted.
pub fn summarize(matrix: &ConfusionMatrix, positive: usize) -> ClassificationSummary {
    ClassificationSummary {
        total: matrix.total(),
        positive_class: positive,
        accuracy: accuracy(matrix),
        precision: precision(matrix, positive),
        recall: recall(matrix, positive),
        f1: f1_score(matrix, positive),
        kappa: cohen_kappa(matrix, KappaWeighting::Unweighted),
    }
}

fn disagreement_weight(weighting: KappaWeighting, row: usize, col: usize) -> f64 {
    let distance = row.abs_diff(col) as f64;
    match weighting {
        KappaWeighting::Unweighted => f64::from(u8::from(row != col)),
        KappaWeighting::Linear => distance,
        KappaWeighting::Quadratic => distance * distance,
    }
}

/// The binary view of a k-class table around one positive class.
struct PositiveCounts {
    true_positive: f64,
    false_positive: f64,
    false_negative: f64,
}

impl PositiveCounts {
    fn of(matrix: &impl Cells, positive: usize) -> Self {
        // An out-of-range positive class simply never occurs.
        if positive >= matrix.classes() {
            return Self {
                true_positive: 0.0,
                false_positive: 0.0,
                false_negative: 0.0,
            };
        }
        let k = matrix.classes();
        let true_positive = matrix.cell(positive, positive);
        let others = |cell: &dyn Fn(usize) -> f64| -> f64 {
            (0..k).filter(|&i| i != positive).map(cell).sum()
        };
        Self {
            true_positive,
            false_positive: others(&|row| matrix.cell(row, positive)),
            false_negative: others(&|col| matrix.cell(positive, col)),
        }
    }
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_a_small_binary_matrix_matches_hand_computation() {
        // rows = human, cols = judge: tn=3, fp=1, fn=2, tp=4
        let matrix = ConfusionMatrix::from_counts(2, vec![3, 1, 2, 4]).unwrap();
        let summary = summarize(&matrix, 1);
        assert_eq!(summary.accuracy, Some(0.7));
        assert_eq!(summary.precision, Some(0.8));
        assert_eq!(summary.recall, Some(4.0 / 6.0));
        assert_eq!(summary.f1, Some(8.0 / 11.0));
        // p_o = 0.7, p_e = (4·5 + 6·5)/100 = 0.5
        assert!((summary.kappa.unwrap() - 0.4).abs() < 1e-12);
    }

    #[test]
    fn a_positive_class_outside_the_scale_is_undefined() {
        let matrix = ConfusionMatrix::from_counts(2, vec![3, 1, 2, 4]).unwrap();
        assert_eq!(precision(&matrix, 5), None);
        assert_eq!(f1_score(&matrix, 5), None);
    }
}
