//! RecGPT's rebalancing of human labels before the judge is trained on them, with the overall
//! verdict (qualified or not) as the class:
//!
//! - **minority-class augmentation**: human labels of the rarer class from before the export's
//!   window are added back, newest first, until the rarer class reaches the target share;
//! - **recency-prioritised downsampling**: if it is still short, the majority class is thinned
//!   to the size that meets the target by weighted sampling without replacement
//!   (Efraimidis–Spirakis), each item's weight halving every `half_life_days` of age. The draw
//!   for an item depends only on the seed and the item's id, so the same seed keeps the same
//!   items whatever order they are read in.

use app::db::export_source::LabelledItem;
use app::domain::Rebalance;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What rebalancing did, for the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RebalanceReport {
    /// `qualified` or `not_qualified`; `none` when both classes are equally common.
    pub minority_class: String,
    pub window_minority: u64,
    pub window_majority: u64,
    /// Older labels of the minority class added back.
    pub augmented: u64,
    /// Majority items kept by downsampling (all of them when it was not needed).
    pub majority_kept: u64,
    pub minority_share: f64,
}

/// The items to export, in id order, and what was done to choose them.
pub fn rebalance(
    candidates: &[LabelledItem],
    settings: &Rebalance,
    as_of: DateTime<Utc>,
) -> (Vec<i64>, RebalanceReport) {
    let window: Vec<&LabelledItem> = candidates.iter().filter(|c| c.in_window).collect();
    let qualified = window.iter().filter(|c| c.qualified).count();
    let not_qualified = window.len() - qualified;
    let minority_is_qualified = qualified < not_qualified;
    let minority_class = match qualified.cmp(&not_qualified) {
        std::cmp::Ordering::Less => "qualified",
        std::cmp::Ordering::Greater => "not_qualified",
        std::cmp::Ordering::Equal => "none",
    };
    let is_minority = |c: &LabelledItem| c.qualified == minority_is_qualified;
    let mut minority: Vec<&LabelledItem> =
        window.iter().copied().filter(|c| is_minority(c)).collect();
    let mut majority: Vec<&LabelledItem> =
        window.iter().copied().filter(|c| !is_minority(c)).collect();
    let target = settings.target_minority_share;
    let window_minority = minority.len() as u64;
    let window_majority = majority.len() as u64;
    let mut augmented = 0u64;

    if settings.augment_minority && share(minority.len(), majority.len()) < target {
        let wanted = (target * majority.len() as f64 / (1.0 - target)).ceil() as usize;
        let mut older: Vec<&LabelledItem> = candidates
            .iter()
            .filter(|c| !c.in_window && is_minority(c))
            .collect();
        older.sort_by(|a, b| {
            b.decided_at
                .cmp(&a.decided_at)
                .then(b.item_id.cmp(&a.item_id))
        });
        for item in older
            .into_iter()
            .take(wanted.saturating_sub(minority.len()))
        {
            minority.push(item);
            augmented += 1;
        }
    }
    if settings.downsample_majority
        && !minority.is_empty()
        && share(minority.len(), majority.len()) < target
    {
        let keep = (minority.len() as f64 * (1.0 - target) / target).floor() as usize;
        let half_life_secs = settings.half_life_days * 86_400.0;
        let mut keyed: Vec<(f64, &LabelledItem)> = majority
            .iter()
            .map(|item| {
                let age = (as_of - item.decided_at).num_milliseconds().max(0) as f64 / 1000.0;
                let weight = 0.5f64.powf(age / half_life_secs);
                let draw = uniform(settings.seed, item.item_id);
                // u^(1/w) ranks like ln(u)/w; the logarithm keeps tiny weights apart.
                (draw.ln() / weight, *item)
            })
            .collect();
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.item_id.cmp(&b.1.item_id)));
        majority = keyed.into_iter().take(keep).map(|(_, item)| item).collect();
    }
    let report = RebalanceReport {
        minority_class: minority_class.into(),
        window_minority,
        window_majority,
        augmented,
        majority_kept: majority.len() as u64,
        minority_share: share(minority.len(), majority.len()),
    };
    let mut ids: Vec<i64> = minority
        .iter()
        .chain(&majority)
        .map(|c| c.item_id)
        .collect();
    ids.sort_unstable();
    (ids, report)
}

fn share(minority: usize, majority: usize) -> f64 {
    if minority + majority == 0 {
        0.0
    } else {
        minority as f64 / (minority + majority) as f64
    }
}

/// A number in (0, 1) from the seed and the item (splitmix64).
fn uniform(seed: u64, item_id: i64) -> f64 {
    let mut z = seed ^ (item_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
    }

    /// `qualified` items 1..=q and not qualified q+1..=q+n in the window, one a day back from
    /// now; `older` not-qualified items before the window.
    fn items(q: i64, n: i64, older: i64) -> Vec<LabelledItem> {
        let mut all = Vec::new();
        for id in 1..=q + n {
            all.push(LabelledItem {
                item_id: id,
                qualified: id <= q,
                decided_at: now() - Duration::days(id % 60),
                in_window: true,
            });
        }
        for k in 0..older {
            all.push(LabelledItem {
                item_id: 10_000 + k,
                qualified: false,
                decided_at: now() - Duration::days(100 + k),
                in_window: false,
            });
        }
        all
    }

    fn settings(augment: bool, downsample: bool, seed: u64) -> Rebalance {
        Rebalance {
            target_minority_share: 0.25,
            augment_minority: augment,
            downsample_majority: downsample,
            half_life_days: 10.0,
            seed,
        }
    }

    #[test]
    fn augmentation_adds_the_newest_older_minority_labels_up_to_the_target() {
        // 90 qualified, 10 not: the target 25% needs 30 not-qualified items; 15 older exist.
        let (ids, report) = rebalance(&items(90, 10, 15), &settings(true, false, 1), now());
        assert_eq!(report.minority_class, "not_qualified");
        assert_eq!(report.augmented, 15);
        assert_eq!(ids.len(), 115);
        let (ids, report) = rebalance(&items(90, 10, 50), &settings(true, false, 1), now());
        assert_eq!(report.augmented, 20);
        // The newest older labels (smallest age) are the ones added.
        assert!(ids.contains(&10_000) && ids.contains(&10_019) && !ids.contains(&10_020));
        assert!((report.minority_share - 0.25).abs() < 1e-12);
    }

    #[test]
    fn downsampling_keeps_the_majority_size_that_meets_the_target() {
        let (ids, report) = rebalance(&items(90, 10, 0), &settings(false, true, 7), now());
        assert_eq!(report.majority_kept, 30);
        assert_eq!(ids.len(), 40);
        assert!((report.minority_share - 0.25).abs() < 1e-12);
        // Every minority item stays.
        assert!((91..=100).all(|id| ids.contains(&id)));
    }

    #[test]
    fn the_same_seed_keeps_the_same_items_and_another_seed_does_not() {
        let data = items(900, 100, 0);
        let (first, _) = rebalance(&data, &settings(false, true, 7), now());
        let mut reversed = data.clone();
        reversed.reverse();
        assert_eq!(
            rebalance(&reversed, &settings(false, true, 7), now()).0,
            first
        );
        assert_ne!(rebalance(&data, &settings(false, true, 8), now()).0, first);
    }

    #[test]
    fn downsampling_prefers_recent_items() {
        let data = items(900, 100, 0);
        let (ids, _) = rebalance(&data, &settings(false, true, 3), now());
        let age = |id: &i64| (id % 60) as f64;
        let mean = |ages: Vec<f64>| ages.iter().sum::<f64>() / ages.len() as f64;
        let kept = mean(ids.iter().filter(|id| **id <= 900).map(age).collect());
        let dropped = mean(
            (1..=900)
                .filter(|id| !ids.contains(id))
                .map(|id| age(&id))
                .collect(),
        );
        // All qualified items have a mean age of about 29.5 days; with a 10-day half-life the
        // third that is kept is much younger than the two thirds left out.
        assert!(
            kept < 20.0 && dropped > 35.0,
            "kept {kept}, dropped {dropped}"
        );
    }

    #[test]
    fn balanced_or_one_class_data_is_left_alone() {
        let (ids, report) = rebalance(&items(50, 50, 5), &settings(true, true, 1), now());
        assert_eq!((ids.len(), report.augmented), (100, 0));
        let (ids, report) = rebalance(&items(40, 0, 0), &settings(false, true, 1), now());
        assert_eq!((ids.len(), report.majority_kept), (40, 40));
    }
}
