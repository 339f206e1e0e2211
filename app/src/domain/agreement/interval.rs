//! Confidence intervals for proportions: the Wilson score interval.
//!
//! Wilson is used instead of the normal approximation because agreement rates
//! sit close to 1 and buckets can be small; it never leaves [0, 1] and stays
//! sensible at 0 or n successes. It matches statsmodels'
//! `proportion_confint(method='wilson')`, including the clipping to [0, 1].

use serde::{Deserialize, Serialize};

/// Two-sided 95% standard normal quantile, `Φ⁻¹(0.975)`, as scipy computes it.
pub const Z_95: f64 = 1.959963984540054;

/// A closed interval `[lower, upper]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Interval {
    pub lower: f64,
    pub upper: f64,
}

impl Interval {
    /// Whether `value` lies inside the interval (bounds included).
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }
}

/// 95% Wilson score interval for `successes` out of `n`; `None` when `n == 0`.
pub fn wilson_interval(successes: u64, n: u64) -> Option<Interval> {
    wilson_interval_with_z(successes, n, Z_95)
}

/// Wilson score interval with an explicit normal quantile `z`.
///
/// `None` when `n == 0` or `successes > n` (not a proportion).
pub fn wilson_interval_with_z(successes: u64, n: u64, z: f64) -> Option<Interval> {
    if n == 0 || successes > n {
        return None;
    }
    wilson_of_share(successes as f64 / n as f64, n as f64, z)
}

/// 95% Wilson interval of a weighted proportion `share` with Kish's effective sample size
/// `effective_n` in place of n (the usual survey approximation); `None` when `effective_n` is
/// not positive or `share` is not a proportion.
pub fn wilson_interval_effective(share: f64, effective_n: f64) -> Option<Interval> {
    if effective_n.is_nan() || effective_n <= 0.0 || !(0.0..=1.0).contains(&share) {
        return None;
    }
    wilson_of_share(share, effective_n, Z_95)
}

/// The Wilson interval of `share` observed on `n` (possibly effective, not whole) observations.
pub(super) fn wilson_of_share(share: f64, n: f64, z: f64) -> Option<Interval> {
    let z_squared = z * z;
    // Same operation order as statsmodels so the results agree to the last bits.
    let denominator = 1.0 + z_squared / n;
    let center = (share + z_squared / (2.0 * n)) / denominator;
    let half_width =
        z * (share * (1.0 - share) / n + z_squared / (4.0 * n * n)).sqrt() / denominator;
    Some(Interval {
        lower: (center - half_width).clamp(0.0, 1.0),
        upper: (center + half_width).clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_contains_the_observed_share() {
        for (successes, n) in [(0, 5), (3, 5), (5, 5), (970, 1000)] {
            let interval = wilson_interval(successes, n).unwrap();
            assert!(interval.contains(successes as f64 / n as f64));
            assert!(interval.lower >= 0.0 && interval.upper <= 1.0);
        }
    }

    #[test]
    fn wilson_interval_is_undefined_without_observations() {
        assert_eq!(wilson_interval(0, 0), None);
        assert_eq!(wilson_interval(3, 2), None);
    }

    #[test]
    fn wilson_interval_narrows_as_n_grows() {
        let small = wilson_interval(9, 10).unwrap();
        let large = wilson_interval(900, 1000).unwrap();
        assert!(large.upper - large.lower < small.upper - small.lower);
    }
}
