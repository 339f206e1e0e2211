//! How sure the judge is of each label.
//!
//! - `logprobs`: the probability the model gave the tokens spelling the chosen label, i.e.
//!   `exp(Σ logprob)` over the tokens overlapping the label's text in the answer.
//! - `self_consistency`: k samples at temperature > 0; the confidence of a criterion is the share
//!   of samples agreeing with its majority label (a sample that failed counts as disagreeing).
//!
//! The overall confidence is the lowest criterion confidence, as for imported judgments.

use std::collections::BTreeMap;
use std::ops::Range;

/// One generated token and its log-probability.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenLogprob {
    pub text: String,
    pub logprob: f64,
}

/// The probability of the tokens covering `span` (byte offsets into the concatenated tokens),
/// or `None` when the tokens do not cover it (e.g. the endpoint returned no logprobs).
pub fn span_probability(tokens: &[TokenLogprob], span: Range<usize>) -> Option<f64> {
    let mut offset = 0;
    let mut sum = 0.0;
    let mut covered = false;
    for token in tokens {
        let end = offset + token.text.len();
        if end > span.start && offset < span.end {
            sum += token.logprob;
            covered = true;
        }
        offset = end;
        if offset >= span.end {
            break;
        }
    }
    (covered && offset >= span.end).then(|| sum.exp().clamp(0.0, 1.0))
}

/// The majority label among `samples` and the share of `total` samples agreeing with it. Ties go
/// to the label seen first.
pub fn majority<'a>(
    samples: impl IntoIterator<Item = &'a str>,
    total: usize,
) -> Option<(String, f64)> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for label in samples {
        match counts.iter_mut().find(|(seen, _)| *seen == label) {
            Some((_, count)) => *count += 1,
            None => counts.push((label, 1)),
        }
    }
    let best = counts
        .iter()
        .fold(None::<(&str, usize)>, |best, &(label, count)| match best {
            Some((_, top)) if top >= count => best,
            _ => Some((label, count)),
        })?;
    Some((best.0.to_string(), best.1 as f64 / total.max(1) as f64))
}

/// The overall confidence: the lowest criterion confidence, unknown if any is unknown.
pub fn overall(confidences: &BTreeMap<String, Option<f64>>) -> Option<f64> {
    confidences
        .values()
        .copied()
        .collect::<Option<Vec<f64>>>()
        .and_then(|all| all.into_iter().reduce(f64::min))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(parts: &[(&str, f64)]) -> Vec<TokenLogprob> {
        parts
            .iter()
            .map(|(text, logprob)| TokenLogprob {
                text: text.to_string(),
                logprob: *logprob,
            })
            .collect()
    }

    #[test]
    fn the_label_probability_multiplies_the_tokens_that_spell_it() {
        // `{"label":"pass"}` with `pa` + `ss` carrying the uncertainty.
        let t = tokens(&[
            ("{\"label\":\"", 0.0),
            ("pa", 0.9f64.ln()),
            ("ss", 0.5f64.ln()),
            ("\"}", 0.0),
        ]);
        let p = span_probability(&t, 10..14).unwrap();
        assert!((p - 0.45).abs() < 1e-12);
        assert_eq!(span_probability(&t[..2], 10..14), None);
        assert_eq!(span_probability(&[], 0..1), None);
    }

    #[test]
    fn the_majority_share_counts_failed_samples_as_disagreeing() {
        assert_eq!(
            majority(["pass", "fail", "pass", "pass"], 5),
            Some(("pass".to_string(), 0.6))
        );
        assert_eq!(
            majority(["fail", "pass"], 2),
            Some(("fail".to_string(), 0.5))
        );
        assert_eq!(majority([], 3), None);
    }

    #[test]
    fn the_overall_confidence_is_the_weakest_criterion() {
        let mut c = BTreeMap::new();
        c.insert("a".to_string(), Some(0.9));
        c.insert("b".to_string(), Some(0.7));
        assert_eq!(overall(&c), Some(0.7));
        c.insert("c".to_string(), None);
        assert_eq!(overall(&c), None);
    }
}
