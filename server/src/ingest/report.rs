//! What an import did, line by line where it matters.

use serde::Serialize;

/// One invalid line, as `FILE:LINE: field.path: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineError {
    pub source: String,
    pub line: u64,
    /// Dotted field path; empty when the whole line is at fault.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}:{}: {}", self.source, self.line, self.message)
        } else {
            write!(
                f,
                "{}:{}: {}: {}",
                self.source, self.line, self.field, self.message
            )
        }
    }
}

/// An item whose external id exists with other content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Conflict {
    pub source: String,
    pub line: u64,
    pub external_id: String,
}

/// The outcome of one import.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub task: String,
    /// False when nothing was written (an invalid line under all-or-nothing).
    pub committed: bool,
    /// Non-blank lines read.
    pub lines: u64,
    pub inserted: u64,
    /// Conflicting items replaced (`replace`), because no human had touched them.
    pub replaced: u64,
    pub unchanged: u64,
    pub conflicts: u64,
    pub invalid: u64,
    /// Of the inserted and replaced items: how many wait for the LLM judge, went to humans, or
    /// were accepted on an imported judgment.
    pub queued_for_judge: u64,
    pub routed_to_humans: u64,
    pub auto_accepted: u64,
    /// The first conflicts and errors (all are counted above).
    pub conflict_examples: Vec<Conflict>,
    pub errors: Vec<LineError>,
}

impl ImportReport {
    /// The one-paragraph summary the CLI prints.
    pub fn summary(&self) -> String {
        let outcome = if self.committed {
            "imported"
        } else {
            "NOT imported (nothing was written)"
        };
        format!(
            "task {}: {} lines {outcome}: {} inserted, {} replaced, {} unchanged, {} conflicting, {} invalid\n\
             new items: {} queued for the judge, {} routed to humans, {} auto-accepted on an imported judgment",
            self.task, self.lines, self.inserted, self.replaced, self.unchanged, self.conflicts, self.invalid,
            self.queued_for_judge, self.routed_to_humans, self.auto_accepted
        )
    }
}
