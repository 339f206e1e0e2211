//! Keyboard shortcuts of the review page. Each (criterion, label) pair gets its own key: labels
//! are keyboard rows (the first label on the digit row, the second on `q w e r…`, the third on
//! `x c v b…`, the fourth on `g h j k l`) and criteria are columns, so criterion 2's first label
//! is `2` and its second label is `w`. The page's own commands use keys outside those rows.

/// The rows that carry labels, in label order.
const LABEL_ROWS: [&str; 4] = ["1234567890", "qwertyuiop", "xcvbnm", "ghjkl"];

/// Submit the answer.
pub const SUBMIT: &str = "Enter";
/// Skip the item (asks for an optional reason).
pub const SKIP: char = 's';
/// Flag the item for an admin.
pub const FLAG: char = 'f';
/// Undo the last answer.
pub const UNDO: char = 'z';
/// Show or hide the shortcut list.
pub const HELP: char = '?';

/// The key for label `label` of criterion `criterion` (both 0-based), if the rows reach that far;
/// pairs without a key are chosen by mouse or Tab.
pub fn label_key(criterion: usize, label: usize) -> Option<char> {
    LABEL_ROWS.get(label)?.chars().nth(criterion)
}

/// The (criterion, label) pair that `key` chooses, among `criteria` criteria with `labels` labels.
pub fn pair_for_key(key: char, criteria: usize, labels: usize) -> Option<(usize, usize)> {
    let key = key.to_ascii_lowercase();
    LABEL_ROWS
        .iter()
        .take(labels)
        .enumerate()
        .find_map(|(label, row)| {
            row.chars()
                .position(|c| c == key)
                .filter(|&criterion| criterion < criteria)
                .map(|criterion| (criterion, label))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_of_a_large_rubric_has_a_distinct_key_and_none_is_a_command() {
        let mut seen = std::collections::HashSet::new();
        for criterion in 0..5 {
            for label in 0..4 {
                let key = label_key(criterion, label).expect("five criteria on four labels fit");
                assert!(seen.insert(key), "{key} given twice");
                assert!(![SKIP, FLAG, UNDO, HELP].contains(&key));
                assert_eq!(pair_for_key(key, 5, 4), Some((criterion, label)));
            }
        }
    }

    #[test]
    fn keys_outside_the_rubric_choose_nothing() {
        assert_eq!(pair_for_key('5', 4, 2), None, "only four criteria");
        assert_eq!(pair_for_key('x', 4, 2), None, "only two labels");
        assert_eq!(
            pair_for_key('W', 4, 2),
            Some((1, 1)),
            "caps lock still works"
        );
        assert_eq!(label_key(11, 0), None);
    }
}
