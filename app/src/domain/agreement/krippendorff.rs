//! Krippendorff's alpha for any number of coders, with missing annotations.
//!
//! Built from per-unit value counts (how many coders gave each value to a
//! unit), so the app can aggregate per item in SQL. Matches the `krippendorff`
//! PyPI package: coincidence matrix `o`, expected coincidences `e` from its
//! marginals `n_v`, and `alpha = 1 - Σ o·δ / Σ e·δ`.

use super::{check_label, AgreementError};
use serde::{Deserialize, Serialize};

/// The level of measurement, which decides the distance δ between two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum MeasurementLevel {
    /// Any two different values are equally far apart.
    Nominal,
    /// Only the order matters; distance grows with how many pairable values
    /// lie between the two (Krippendorff's rank-based ordinal metric).
    Ordinal,
    /// Values are equally spaced numbers: `δ = (c - k)²` on the class index.
    Interval,
}

/// Value-by-value coincidences of pairable values (a V×V matrix, row-major).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoincidenceMatrix {
    values: usize,
    coincidences: Vec<f64>,
}

impl CoincidenceMatrix {
    /// Builds from each unit's value counts (`unit[v]` = coders who gave value `v`).
    ///
    /// Units with fewer than two values cannot form a pair and add nothing.
    pub fn from_unit_value_counts<U: AsRef<[u64]>>(
        values: usize,
        units: impl IntoIterator<Item = U>,
    ) -> Result<Self, AgreementError> {
        let mut matrix = Self {
            values,
            coincidences: vec![0.0; values * values],
        };
        for unit in units {
            matrix.add_unit(unit.as_ref(), 1)?;
        }
        Ok(matrix)
    }

    /// Builds from `(value counts, how many units have them)`.
    pub fn from_weighted_units<'a>(
        values: usize,
        units: impl IntoIterator<Item = (&'a [u64], u64)>,
    ) -> Result<Self, AgreementError> {
        let mut matrix = Self {
            values,
            coincidences: vec![0.0; values * values],
        };
        for (unit, weight) in units {
            matrix.add_unit(unit, weight)?;
        }
        Ok(matrix)
    }

    /// Adds `weight` units with value counts `unit`.
    fn add_unit(&mut self, unit: &[u64], weight: u64) -> Result<(), AgreementError> {
        if unit.len() != self.values {
            return Err(AgreementError::WrongCountLength {
                expected: self.values,
                actual: unit.len(),
            });
        }
        let coded: u64 = unit.iter().sum();
        if coded < 2 || weight == 0 {
            return Ok(());
        }
        // Each of the m·(m-1) ordered pairs within the unit weighs 1/(m-1),
        // so every pairable value contributes exactly 1 to the margins.
        let pair_weight = (coded - 1) as f64;
        for (c, &count_c) in unit.iter().enumerate() {
            for (k, &count_k) in unit.iter().enumerate() {
                let same_value_correction = if c == k { count_c } else { 0 };
                let pairs = count_c * count_k - same_value_correction;
                self.coincidences[c * self.values + k] += (pairs * weight) as f64 / pair_weight;
            }
        }
        Ok(())
    }

    /// Builds from pair counts summed over units, as a database can keep them:
    /// `(answers, c, k, pairs)` where `pairs` counts the ordered pairs of values `(c, k)` from
    /// different coders within units of `answers` values. Each weighs `1 / (answers - 1)`, as
    /// in [`Self::from_unit_value_counts`]; rows with fewer than two answers add nothing.
    pub fn from_pair_counts(
        values: usize,
        cells: impl IntoIterator<Item = (u64, usize, usize, u64)>,
    ) -> Result<Self, AgreementError> {
        let mut coincidences = vec![0.0; values * values];
        for (answers, c, k, pairs) in cells {
            let (c, k) = (check_label(c, values)?, check_label(k, values)?);
            if answers >= 2 {
                coincidences[c * values + k] += pairs as f64 / (answers - 1) as f64;
            }
        }
        Ok(Self {
            values,
            coincidences,
        })
    }

    /// Builds from a units × coders matrix of labels, `None` where a coder skipped a unit.
    pub fn from_ratings<U: AsRef<[Option<usize>]>>(
        values: usize,
        units: impl IntoIterator<Item = U>,
    ) -> Result<Self, AgreementError> {
        let value_counts = units
            .into_iter()
            .map(|unit| {
                let mut counts = vec![0u64; values];
                for &label in unit.as_ref().iter().flatten() {
                    counts[check_label(label, values)?] += 1;
                }
                Ok(counts)
            })
            .collect::<Result<Vec<_>, AgreementError>>()?;
        Self::from_unit_value_counts(values, value_counts)
    }

    /// Coincidence `o(c, k)`.
    pub fn coincidence(&self, c: usize, k: usize) -> f64 {
        self.coincidences[c * self.values + k]
    }

    /// How many pairable values took each value (`n_v`, the marginals).
    pub fn value_totals(&self) -> Vec<f64> {
        (0..self.values)
            .map(|k| (0..self.values).map(|c| self.coincidence(c, k)).sum())
            .collect()
    }

    /// Krippendorff's alpha; `None` when there is no pairable unit or expected
    /// disagreement is zero (e.g. only one value is ever used).
    pub fn alpha(&self, level: MeasurementLevel) -> Option<f64> {
        let totals = self.value_totals();
        let pairable: f64 = totals.iter().sum();
        if pairable < 2.0 {
            return None;
        }
        let mut observed = 0.0;
        let mut expected = 0.0;
        for (c, &total_c) in totals.iter().enumerate() {
            for (k, &total_k) in totals.iter().enumerate() {
                let distance = delta(level, c, k, &totals);
                let chance = if c == k {
                    total_c * (total_k - 1.0)
                } else {
                    total_c * total_k
                };
                observed += self.coincidence(c, k) * distance;
                expected += chance / (pairable - 1.0) * distance;
            }
        }
        if expected == 0.0 {
            return None;
        }
        Some(1.0 - observed / expected)
    }
}

/// Krippendorff's alpha straight from per-unit value counts.
pub fn krippendorff_alpha<U: AsRef<[u64]>>(
    values: usize,
    units: impl IntoIterator<Item = U>,
    level: MeasurementLevel,
) -> Result<Option<f64>, AgreementError> {
    Ok(CoincidenceMatrix::from_unit_value_counts(values, units)?.alpha(level))
}

/// The squared distance δ²(c, k) for a level of measurement.
fn delta(level: MeasurementLevel, c: usize, k: usize, totals: &[f64]) -> f64 {
    match level {
        MeasurementLevel::Nominal => f64::from(u8::from(c != k)),
        MeasurementLevel::Ordinal => {
            let (low, high) = (c.min(k), c.max(k));
            let between: f64 = totals[low..=high].iter().sum();
            let span = between - (totals[low] + totals[high]) / 2.0;
            span * span
        }
        MeasurementLevel::Interval => {
            let difference = c.abs_diff(k) as f64;
            difference * difference
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_ratings_give_the_same_coincidences() {
        let ratings = [
            vec![Some(0), Some(0), None],
            vec![Some(1), Some(2), Some(2)],
        ];
        let from_ratings = CoincidenceMatrix::from_ratings(3, &ratings).unwrap();
        let from_counts =
            CoincidenceMatrix::from_unit_value_counts(3, [[2, 0, 0], [0, 1, 2]]).unwrap();
        assert_eq!(from_ratings, from_counts);
        assert_eq!(from_counts.value_totals(), vec![2.0, 1.0, 2.0]);
    }

    #[test]
    fn single_annotations_are_not_pairable() {
        let lone_units = [[1, 0], [0, 1]];
        assert_eq!(
            krippendorff_alpha(2, lone_units, MeasurementLevel::Nominal),
            Ok(None)
        );
    }

    #[test]
    fn unit_counts_of_the_wrong_length_are_rejected() {
        let result = krippendorff_alpha(3, [[1u64, 1]], MeasurementLevel::Nominal);
        assert!(result.is_err());
    }

    #[test]
    fn pair_counts_summed_over_units_give_the_same_alpha_as_the_units() {
        // Units of two and three answers on a three-label scale.
        let units = [[2u64, 0, 0], [1, 1, 0], [0, 2, 1], [1, 1, 1], [0, 0, 2]];
        let from_units = CoincidenceMatrix::from_unit_value_counts(3, units).unwrap();
        let mut cells = std::collections::BTreeMap::new();
        for unit in units {
            let answers: u64 = unit.iter().sum();
            for c in 0..3 {
                for k in 0..3 {
                    let pairs = unit[c] * unit[k] - if c == k { unit[c] } else { 0 };
                    *cells.entry((answers, c, k)).or_insert(0) += pairs;
                }
            }
        }
        let from_pairs = CoincidenceMatrix::from_pair_counts(
            3,
            cells
                .into_iter()
                .map(|((answers, c, k), pairs)| (answers, c, k, pairs)),
        )
        .unwrap();
        for level in [MeasurementLevel::Nominal, MeasurementLevel::Ordinal] {
            let (a, b) = (
                from_units.alpha(level).unwrap(),
                from_pairs.alpha(level).unwrap(),
            );
            assert!((a - b).abs() < 1e-12, "{level:?}: {a} vs {b}");
        }
    }
}
