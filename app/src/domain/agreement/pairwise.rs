//! Cohen's kappa between every pair of human annotators on the items they share.
//!
//! Tells which annotators agree with each other, which is the ceiling the
//! judge can be expected to reach against any single one of them.

use super::{check_label, cohen_kappa, AgreementError, ConfusionMatrix, KappaWeighting};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One annotator's label for one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnotatorLabel {
    pub item_id: u64,
    pub annotator: u32,
    pub label: usize,
}

/// Kappa between two annotators (`annotator_a < annotator_b`).
///
/// In the confusion matrix behind it, `annotator_a` is the row (reference).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairwiseKappa {
    pub annotator_a: u32,
    pub annotator_b: u32,
    pub shared_items: u64,
    /// `None` when kappa is undefined for this pair (e.g. both used one label).
    pub kappa: Option<f64>,
}

/// Kappa for every annotator pair with at least `min_shared_items` items in common.
///
/// If an annotator labelled the same item twice, the later entry wins. Pairs
/// come out ordered by `(annotator_a, annotator_b)`.
pub fn pairwise_cohen_kappa(
    labels: &[AnnotatorLabel],
    classes: usize,
    weighting: KappaWeighting,
    min_shared_items: u64,
) -> Result<Vec<PairwiseKappa>, AgreementError> {
    let mut by_annotator: BTreeMap<u32, BTreeMap<u64, usize>> = BTreeMap::new();
    for entry in labels {
        let label = check_label(entry.label, classes)?;
        by_annotator
            .entry(entry.annotator)
            .or_default()
            .insert(entry.item_id, label);
    }
    let annotators: Vec<(&u32, &BTreeMap<u64, usize>)> = by_annotator.iter().collect();
    let mut pairs = Vec::new();
    for (index, &(&annotator_a, items_a)) in annotators.iter().enumerate() {
        for &(&annotator_b, items_b) in &annotators[index + 1..] {
            let shared = items_a.iter().filter_map(|(item, &label_a)| {
                items_b.get(item).map(|&label_b| (label_a, label_b))
            });
            let matrix = ConfusionMatrix::from_pairs(classes, shared)?;
            let shared_items = matrix.total();
            if shared_items < min_shared_items.max(1) {
                continue;
            }
            pairs.push(PairwiseKappa {
                annotator_a,
                annotator_b,
                shared_items,
                kappa: cohen_kappa(&matrix, weighting),
            });
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(item_id: u64, annotator: u32, label: usize) -> AnnotatorLabel {
        AnnotatorLabel {
            item_id,
            annotator,
            label,
        }
    }

    #[test]
    fn pairs_below_the_shared_item_minimum_are_left_out() {
        let labels = [
            label(1, 7, 0),
            label(2, 7, 1),
            label(3, 7, 1),
            label(1, 9, 0),
            label(2, 9, 1),
            label(3, 9, 0),
            label(3, 4, 1),
        ];
        let pairs = pairwise_cohen_kappa(&labels, 2, KappaWeighting::Unweighted, 2).unwrap();
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].annotator_a, pairs[0].annotator_b), (7, 9));
        assert_eq!(pairs[0].shared_items, 3);
    }

    #[test]
    fn a_repeated_label_keeps_the_later_one() {
        let labels = [
            label(1, 1, 0),
            label(1, 1, 1),
            label(1, 2, 1),
            label(2, 1, 0),
            label(2, 2, 0),
        ];
        let pairs = pairwise_cohen_kappa(&labels, 2, KappaWeighting::Unweighted, 1).unwrap();
        assert_eq!(pairs[0].kappa, Some(1.0));
    }
}
