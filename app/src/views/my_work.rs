//! The "My work" page's figures: what the signed-in person has answered, and how well they
//! agree with golden labels and with final verdicts others took part in.

use serde::{Deserialize, Serialize};

/// One task's figures for one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskWork {
    pub task: String,
    pub title: String,
    /// Counted answers since midnight UTC.
    pub today: i64,
    /// Counted answers since Monday 00:00 UTC.
    pub this_week: i64,
    pub total: i64,
    pub skipped: i64,
    pub flagged: i64,
    /// Golden items answered, and criteria labels that matched the golden ones (of how many).
    pub golden_items: i64,
    pub golden_labels_matched: i64,
    pub golden_labels: i64,
    /// Answers on items whose final verdict others took part in (K ≥ 2 or adjudicated), and
    /// how many of those matched the verdict on every criterion.
    pub verdicts_compared: i64,
    pub verdicts_matched: i64,
}

/// `part / whole` as a percentage with one decimal, or "—" when there is nothing to divide.
pub fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        "—".to_string()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentages_say_when_there_is_no_data() {
        assert_eq!(super::percent(1, 3), "33.3%");
        assert_eq!(super::percent(0, 0), "—");
    }
}
