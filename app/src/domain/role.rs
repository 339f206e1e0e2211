//! Account roles and what each may do.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The role of an account or API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages tasks, users, tokens and settings; may do everything.
    Admin,
    /// Imports artifacts and exports training data.
    Trainer,
    /// Annotates and adjudicates disagreements between annotators.
    Reviewer,
    /// Annotates items routed to humans.
    Annotator,
}

/// Something a role may or may not do. Pages and routes ask for a capability, never a role, so
/// that what a role may do is decided in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// See tasks and their queue counts.
    ViewTasks,
    /// Review items routed to humans.
    Annotate,
    /// Record the final verdict where annotators disagree.
    Adjudicate,
    /// Import artifacts and export datasets.
    ManageData,
    /// See how well the judge agrees with humans (the metrics page and API).
    ViewMetrics,
    /// Manage users, tokens and task settings.
    Administer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Trainer, Role::Reviewer, Role::Annotator];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Trainer => "trainer",
            Role::Reviewer => "reviewer",
            Role::Annotator => "annotator",
        }
    }

    /// Whether this role grants `capability`.
    pub fn can(self, capability: Capability) -> bool {
        use Capability::*;
        match self {
            Role::Admin => true,
            Role::Trainer => matches!(capability, ViewTasks | ManageData | ViewMetrics),
            Role::Reviewer => matches!(capability, ViewTasks | Annotate | Adjudicate | ViewMetrics),
            Role::Annotator => matches!(capability, ViewTasks | Annotate),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the four role names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected one of admin, trainer, reviewer, annotator")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn role_names_are_case_insensitive_and_trimmed() {
        assert_eq!(" Admin ".parse::<Role>(), Ok(Role::Admin));
    }

    #[test]
    fn an_unknown_role_is_rejected_with_the_choices() {
        let err = "root".parse::<Role>().unwrap_err();
        assert!(err
            .to_string()
            .contains("admin, trainer, reviewer, annotator"));
    }

    #[test]
    fn only_admins_administer() {
        for role in Role::ALL {
            assert_eq!(role.can(Capability::Administer), role == Role::Admin);
        }
    }

    #[test]
    fn annotators_annotate_but_neither_adjudicate_nor_export() {
        assert!(Role::Annotator.can(Capability::Annotate));
        assert!(!Role::Annotator.can(Capability::Adjudicate));
        assert!(!Role::Annotator.can(Capability::ManageData));
        assert!(!Role::Annotator.can(Capability::ViewMetrics));
    }

    #[test]
    fn trainers_manage_data_but_do_not_annotate() {
        assert!(Role::Trainer.can(Capability::ManageData));
        assert!(!Role::Trainer.can(Capability::Annotate));
    }

    #[test]
    fn every_role_sees_the_tasks() {
        assert!(Role::ALL.iter().all(|r| r.can(Capability::ViewTasks)));
    }
}
