//! Human review's vocabulary: which queue a person works on, and what became of an answer.
//! One type for each idea, used alike by the database layer, the server functions, the REST
//! API and the review page.

use super::Capability;
use serde::{Deserialize, Serialize};

/// Which review queue: a regular annotation, or a reviewer's final word on a disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewPurpose {
    /// Annotators answer items routed to humans.
    Annotate,
    /// Reviewers settle items whose annotators disagreed.
    Adjudicate,
}

impl ReviewPurpose {
    /// The name stored in `review_slots.purpose`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewPurpose::Annotate => "annotate",
            ReviewPurpose::Adjudicate => "adjudicate",
        }
    }

    /// What working on this queue asks of a role.
    pub fn capability(self) -> Capability {
        match self {
            ReviewPurpose::Annotate => Capability::Annotate,
            ReviewPurpose::Adjudicate => Capability::Adjudicate,
        }
    }
}

/// What became of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerOutcome {
    /// Counted; `finished` when it completed the item (verdict written or sent to adjudication).
    Counted { finished: bool },
    /// Skipped: the item went back to the queue for someone else.
    Skipped,
    /// Already received earlier (a retry); nothing changed.
    Duplicate,
    /// The hold had lapsed and someone else took the item: kept, but not counted.
    TakenByOther,
}

impl AnswerOutcome {
    /// The sentence the page shows after saving.
    pub fn message(self) -> &'static str {
        match self {
            AnswerOutcome::Counted { .. } | AnswerOutcome::Duplicate => "Saved.",
            AnswerOutcome::Skipped => "Skipped.",
            AnswerOutcome::TakenByOther => {
                "Your hold on that item had lapsed and someone else took it: your answer is kept, but not counted."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_queue_asks_for_its_own_capability_and_is_stored_by_its_name() {
        assert_eq!(ReviewPurpose::Annotate.capability(), Capability::Annotate);
        assert_eq!(
            ReviewPurpose::Adjudicate.capability(),
            Capability::Adjudicate
        );
        assert_eq!(ReviewPurpose::Adjudicate.as_str(), "adjudicate");
        assert_eq!(
            serde_json::to_string(&ReviewPurpose::Annotate).unwrap(),
            "\"annotate\""
        );
    }
}
