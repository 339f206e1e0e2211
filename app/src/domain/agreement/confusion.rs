//! The k×k confusion matrix every classification statistic is computed from.
//!
//! Convention: **rows are the reference (human) label, columns are the judge's
//! (predicted) label**, i.e. `count(reference, prediction)`, the same orientation
//! as scikit-learn's `confusion_matrix(y_true, y_pred)`.

use super::{check_label, AgreementError};
use serde::{Deserialize, Serialize};

/// Counts of (reference, prediction) pairs over `classes` labels, stored row-major.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    classes: usize,
    counts: Vec<u64>,
}

impl ConfusionMatrix {
    /// An all-zero matrix for a scale of `classes` labels.
    pub fn new(classes: usize) -> Self {
        Self {
            classes,
            counts: vec![0; classes * classes],
        }
    }

    /// Builds the matrix from raw `(reference, prediction)` label pairs.
    pub fn from_pairs(
        classes: usize,
        pairs: impl IntoIterator<Item = (usize, usize)>,
    ) -> Result<Self, AgreementError> {
        Self::from_cells(classes, pairs.into_iter().map(|(r, p)| (r, p, 1)))
    }

    /// Builds the matrix from aggregated `(reference, prediction, count)` cells,
    /// e.g. the rows of `SELECT human, judge, COUNT(*) ... GROUP BY human, judge`.
    /// Repeated cells are added up.
    pub fn from_cells(
        classes: usize,
        cells: impl IntoIterator<Item = (usize, usize, u64)>,
    ) -> Result<Self, AgreementError> {
        let mut matrix = Self::new(classes);
        for (reference, prediction, count) in cells {
            matrix.add(reference, prediction, count)?;
        }
        Ok(matrix)
    }

    /// Wraps a row-major `classes × classes` count vector (rows = reference).
    pub fn from_counts(classes: usize, counts: Vec<u64>) -> Result<Self, AgreementError> {
        let expected = classes * classes;
        if counts.len() != expected {
            return Err(AgreementError::WrongCountLength {
                expected,
                actual: counts.len(),
            });
        }
        Ok(Self { classes, counts })
    }

    /// Adds `count` observations of `(reference, prediction)`.
    pub fn add(
        &mut self,
        reference: usize,
        prediction: usize,
        count: u64,
    ) -> Result<(), AgreementError> {
        let row = check_label(reference, self.classes)?;
        let col = check_label(prediction, self.classes)?;
        self.counts[row * self.classes + col] += count;
        Ok(())
    }

    /// Number of labels on the scale (k).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Row-major cell counts (rows = reference, columns = prediction).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Observations with this reference label and this predicted label.
    pub fn count(&self, reference: usize, prediction: usize) -> u64 {
        self.counts[reference * self.classes + prediction]
    }

    /// Total number of observations.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Observations where the judge matched the reference.
    pub fn agreements(&self) -> u64 {
        (0..self.classes).map(|c| self.count(c, c)).sum()
    }

    /// How often each label was the reference (row sums).
    pub fn reference_totals(&self) -> Vec<u64> {
        self.counts
            .chunks(self.classes.max(1))
            .map(|row| row.iter().sum())
            .collect()
    }

    /// How often each label was predicted (column sums).
    pub fn prediction_totals(&self) -> Vec<u64> {
        (0..self.classes)
            .map(|col| (0..self.classes).map(|row| self.count(row, col)).sum())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_cells_build_the_same_matrix() {
        let from_pairs = ConfusionMatrix::from_pairs(2, [(0, 0), (1, 0), (1, 1), (1, 1)]).unwrap();
        let from_cells = ConfusionMatrix::from_cells(2, [(1, 1, 2), (0, 0, 1), (1, 0, 1)]).unwrap();
        assert_eq!(from_pairs, from_cells);
        assert_eq!(from_pairs.counts(), &[1, 0, 1, 2]);
        assert_eq!(from_pairs.reference_totals(), vec![1, 3]);
        assert_eq!(from_pairs.prediction_totals(), vec![2, 2]);
        assert_eq!(from_pairs.agreements(), 3);
    }

    #[test]
    fn labels_outside_the_scale_are_rejected() {
        let error = ConfusionMatrix::from_pairs(2, [(0, 2)]).unwrap_err();
        assert_eq!(
            error,
            AgreementError::LabelOutOfRange {
                label: 2,
                classes: 2
            }
        );
        assert!(ConfusionMatrix::from_counts(2, vec![1, 2, 3]).is_err());
    }
}
