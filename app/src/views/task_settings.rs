//! Task settings for admins: the task's guidelines (title, description, criteria wording and
//! examples), routing (threshold, audit rate, K, blind mode) and judge settings. Saving makes a
//! new rubric version and an audit-log entry; the page also lists the versions, the audit log of
//! the task, and the items annotators flagged.

use crate::domain::{Criterion, JudgeSettings, RoutingSettings, TaskDefinition};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the settings page edits. Criteria are matched by name; adding or removing criteria
/// changes what stored labels mean, so it is done with a task file (`cojudge task import`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditableSettings {
    pub title: String,
    pub description: String,
    pub criteria: Vec<Criterion>,
    pub routing: RoutingSettings,
    pub judge: JudgeSettings,
}

impl EditableSettings {
    pub fn of(definition: &TaskDefinition) -> EditableSettings {
        EditableSettings {
            title: definition.title.clone(),
            description: definition.description.clone(),
            criteria: definition.criteria.clone(),
            routing: definition.routing.clone(),
            judge: definition.judge.clone(),
        }
    }

    /// `definition` with these settings applied; refuses a change to the set of criteria.
    pub fn apply_to(&self, definition: &TaskDefinition) -> Result<TaskDefinition, String> {
        let names =
            |criteria: &[Criterion]| criteria.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        if names(&self.criteria) != names(&definition.criteria) {
            return Err("criteria can be reworded here, not added, removed or renamed: use a task file (cojudge task import)".into());
        }
        let mut next = definition.clone();
        next.title = self.title.trim().to_string();
        next.description = self.description.trim().to_string();
        next.criteria = self.criteria.clone();
        next.routing = self.routing.clone();
        next.judge = self.judge.clone();
        next.judge.model = next
            .judge
            .model
            .take()
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty());
        next.validate().map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        Ok(next)
    }
}

/// One rubric version of the task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricVersion {
    pub version: i32,
    pub note: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One audit-log entry about the task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub details: String,
}

/// An answer an annotator flagged for an admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlaggedAnswer {
    pub external_id: String,
    pub annotator: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// Everything the settings page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSettingsView {
    pub name: String,
    pub rubric_version: i32,
    pub settings: EditableSettings,
    pub versions: Vec<RubricVersion>,
    pub audit: Vec<AuditLine>,
    pub flagged: Vec<FlaggedAnswer>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::task_definition::tests::two_criteria_task;

    #[test]
    fn settings_apply_and_are_validated() {
        let task = two_criteria_task();
        let mut settings = EditableSettings::of(&task);
        settings.routing.confidence_threshold = 0.9;
        settings.judge.model = Some("  ".into());
        let next = settings.apply_to(&task).unwrap();
        assert_eq!(next.routing.confidence_threshold, 0.9);
        assert_eq!(
            next.judge.model, None,
            "a blank model means the deployment's model"
        );

        settings.routing.audit_rate = 1.5;
        assert!(settings
            .apply_to(&task)
            .unwrap_err()
            .contains("routing.audit_rate"));

        let mut renamed = EditableSettings::of(&task);
        renamed.criteria[0].name = "other".into();
        assert!(renamed.apply_to(&task).unwrap_err().contains("task file"));
    }
}
