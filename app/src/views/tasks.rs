//! Task overviews for the home page.

use crate::domain::ItemState;
use serde::{Deserialize, Serialize};

/// A criterion's name, title and definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionBrief {
    pub name: String,
    pub title: String,
    pub definition: String,
}

/// How many of a task's items are in one state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateCount {
    pub state: ItemState,
    pub count: i64,
}

/// One task on the home page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub name: String,
    pub title: String,
    pub description: String,
    pub rubric_version: i32,
    pub criteria: Vec<CriterionBrief>,
    /// Label titles of the task's scale, best first.
    pub scale: Vec<String>,
    /// One entry per [`ItemState`], in workflow order.
    pub counts: Vec<StateCount>,
    pub total: i64,
}
