//! How the metrics page writes numbers: proportions as percentages, κ and F1 as decimals, each
//! with its interval.

use crate::views::metrics::Estimate;

/// `91.2% (88.0–93.6)`, or `–` when undefined.
pub fn percent(estimate: &Option<Estimate>) -> String {
    match estimate {
        None => "–".into(),
        Some(Estimate {
            value,
            interval: Some(interval),
        }) => format!(
            "{:.1}% ({:.1}–{:.1})",
            value * 100.0,
            interval.lower * 100.0,
            interval.upper * 100.0
        ),
        Some(Estimate { value, .. }) => format!("{:.1}%", value * 100.0),
    }
}

/// `0.712 (0.651–0.768)`, or `–` when undefined.
pub fn decimal(estimate: &Option<Estimate>) -> String {
    match estimate {
        None => "–".into(),
        Some(Estimate {
            value,
            interval: Some(interval),
        }) => format!("{value:.3} ({:.3}–{:.3})", interval.lower, interval.upper),
        Some(Estimate { value, .. }) => format!("{value:.3}"),
    }
}

/// A confusion cell: a count as is, a sum of design weights with one decimal.
pub fn cell(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::agreement::Interval;

    #[test]
    fn estimates_read_with_their_intervals() {
        let estimate = Some(Estimate {
            value: 0.9123,
            interval: Some(Interval {
                lower: 0.88,
                upper: 0.936,
            }),
        });
        assert_eq!(percent(&estimate), "91.2% (88.0–93.6)");
        assert_eq!(decimal(&estimate), "0.912 (0.880–0.936)");
        assert_eq!(percent(&None), "–");
    }
}
