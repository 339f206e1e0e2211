//! The short, URL-safe name that identifies a task (`interest`, `tag`, `explanation`, …).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A task name: 1–63 characters, a lower-case letter first, then lower-case letters, digits,
/// `-` or `_`. It appears in URLs, file names and CLI flags, so it is kept plain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaskName(String);

/// The text is not a valid task name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid task name `{0}`: use 1-63 lower-case letters, digits, `-` or `_`, starting with a letter")]
pub struct InvalidTaskName(pub String);

impl TaskName {
    pub fn parse(raw: &str) -> Result<TaskName, InvalidTaskName> {
        let valid = !raw.is_empty()
            && raw.len() <= 63
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if valid {
            Ok(TaskName(raw.to_string()))
        } else {
            Err(InvalidTaskName(raw.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TaskName {
    type Error = InvalidTaskName;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        TaskName::parse(&value)
    }
}

impl From<TaskName> for String {
    fn from(name: TaskName) -> String {
        name.0
    }
}

impl fmt::Display for TaskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_names_are_valid() {
        for name in ["interest", "tag", "explanation", "tag-v2", "a_b1"] {
            assert!(TaskName::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn names_with_capitals_spaces_slashes_or_leading_digits_are_rejected() {
        for name in ["", "Tag", "my task", "a/b", "1tag", "-x", &"a".repeat(64)] {
            assert!(TaskName::parse(name).is_err(), "{name}");
        }
    }
}
