//! Two judges compared on the same items: the paired difference in accuracy with its interval,
//! and the exact McNemar test of whether it is real (`shared/MEASUREMENT.md`). Scoring both on
//! the same items keeps the items' difficulty out of the difference.

use super::{Interval, Z_95};
use serde::{Deserialize, Serialize};

/// How two judges fared on the same items against people's verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PairedOutcomes {
    pub both_right: u64,
    /// The current judge right, the candidate wrong.
    pub only_current: u64,
    /// The candidate right, the current judge wrong.
    pub only_candidate: u64,
    pub both_wrong: u64,
}

/// The comparison: both accuracies on the shared items, the difference and the test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PairedComparison {
    pub outcomes: PairedOutcomes,
    pub items: u64,
    pub current_accuracy: f64,
    pub candidate_accuracy: f64,
    /// Candidate minus current accuracy.
    pub difference: f64,
    /// 95% Wald interval of the difference of two correlated proportions.
    pub difference_interval: Interval,
    /// Exact two-sided McNemar p-value: a binomial test of the discordant items at ½.
    pub p_value: f64,
}

impl PairedComparison {
    /// Whether the difference is real at the 5% level.
    pub fn significant(&self) -> bool {
        self.p_value < 0.05
    }
}

impl PairedOutcomes {
    /// Adds `items` items on which each judge did or did not match people's verdict.
    pub fn add(&mut self, current_right: bool, candidate_right: bool, items: u64) {
        *match (current_right, candidate_right) {
            (true, true) => &mut self.both_right,
            (true, false) => &mut self.only_current,
            (false, true) => &mut self.only_candidate,
            (false, false) => &mut self.both_wrong,
        } += items;
    }

    fn items(&self) -> u64 {
        self.both_right + self.only_current + self.only_candidate + self.both_wrong
    }
}

/// The comparison of `outcomes`; `None` without items.
pub fn compare_paired(outcomes: PairedOutcomes) -> Option<PairedComparison> {
    let items = outcomes.items();
    if items == 0 {
        return None;
    }
    let n = items as f64;
    let (b, c) = (outcomes.only_current as f64, outcomes.only_candidate as f64);
    let difference = (c - b) / n;
    let standard_error = ((b + c) - (c - b) * (c - b) / n).max(0.0).sqrt() / n;
    Some(PairedComparison {
        outcomes,
        items,
        current_accuracy: (outcomes.both_right + outcomes.only_current) as f64 / n,
        candidate_accuracy: (outcomes.both_right + outcomes.only_candidate) as f64 / n,
        difference,
        difference_interval: Interval {
            lower: (difference - Z_95 * standard_error).max(-1.0),
            upper: (difference + Z_95 * standard_error).min(1.0),
        },
        p_value: mcnemar_exact(outcomes.only_current, outcomes.only_candidate),
    })
}

/// The exact two-sided McNemar p-value for `b` and `c` discordant items: twice the smaller
/// binomial(b + c, ½) tail, at most 1 (statsmodels' `mcnemar(exact=True)`).
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let smaller = b.min(c);
    // Σ_{k ≤ smaller} C(n, k) / 2ⁿ, in logs so that large n neither overflows nor underflows.
    let ln_half_n = -(n as f64) * std::f64::consts::LN_2;
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut tail = 0.0;
    for k in 0..=smaller {
        if k > 0 {
            ln_choose += ((n - k + 1) as f64).ln() - (k as f64).ln();
        }
        tail += (ln_choose + ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discordant_items_decide_the_test() {
        // 10 discordant items, all for the candidate: p = 2 / 2¹⁰.
        assert!((mcnemar_exact(0, 10) - 2.0 / 1024.0).abs() < 1e-15);
        assert_eq!(mcnemar_exact(5, 5), 1.0);
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        // Symmetric in b and c.
        assert_eq!(mcnemar_exact(3, 12), mcnemar_exact(12, 3));
        // Large counts stay finite.
        let p = mcnemar_exact(4_000, 4_300);
        assert!(p > 0.0 && p < 0.05, "{p}");
    }

    #[test]
    fn the_difference_counts_only_what_the_judges_disagree_on() {
        let outcomes = PairedOutcomes {
            both_right: 80,
            only_current: 2,
            only_candidate: 12,
            both_wrong: 6,
        };
        let comparison = compare_paired(outcomes).unwrap();
        assert_eq!(comparison.items, 100);
        assert_eq!(comparison.current_accuracy, 0.82);
        assert_eq!(comparison.candidate_accuracy, 0.92);
        assert!((comparison.difference - 0.10).abs() < 1e-15);
        assert!(comparison.difference_interval.contains(0.10));
        assert!(comparison.difference_interval.lower > 0.0);
        assert!(comparison.significant());
        assert_eq!(compare_paired(PairedOutcomes::default()), None);
    }
}
