//! Where an item stands in the judging workflow.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The workflow state of an item. Stored as text in `items.state`; the database's CHECK constraint
/// lists the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Waiting for the LLM judge.
    Queued,
    /// Leased by a judge worker.
    Judging,
    /// Routed to humans; waiting for annotations.
    HumanReview,
    /// Annotators disagreed; waiting for a reviewer's final verdict.
    Adjudication,
    /// Has a final verdict.
    Done,
    /// The judge failed for good and no human has taken it over yet.
    Failed,
}

impl ItemState {
    /// In workflow order, as the home page lists them.
    pub const ALL: [ItemState; 6] = [
        ItemState::Queued,
        ItemState::Judging,
        ItemState::HumanReview,
        ItemState::Adjudication,
        ItemState::Done,
        ItemState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Queued => "queued",
            ItemState::Judging => "judging",
            ItemState::HumanReview => "human_review",
            ItemState::Adjudication => "adjudication",
            ItemState::Done => "done",
            ItemState::Failed => "failed",
        }
    }

    /// A short label for people.
    pub fn title(self) -> &'static str {
        match self {
            ItemState::Queued => "Queued for judge",
            ItemState::Judging => "Judging",
            ItemState::HumanReview => "Human review",
            ItemState::Adjudication => "Adjudication",
            ItemState::Done => "Done",
            ItemState::Failed => "Failed",
        }
    }
}

impl fmt::Display for ItemState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not an item state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown item state `{0}`")]
pub struct UnknownItemState(pub String);

impl FromStr for ItemState {
    type Err = UnknownItemState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ItemState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownItemState(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_its_name() {
        for state in ItemState::ALL {
            assert_eq!(state.as_str().parse::<ItemState>(), Ok(state));
        }
    }

    #[test]
    fn state_names_match_their_serde_names() {
        for state in ItemState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
    }
}
