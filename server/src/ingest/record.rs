//! One item as it arrives, in JSON Lines or CSV, before any check against its task.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An item line. Unknown fields are refused, so a misspelt field is reported, not lost.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRecord {
    pub external_id: String,
    #[serde(default)]
    pub task: Option<String>,
    pub context: Value,
    pub output: Value,
    #[serde(default)]
    pub generator: Option<Generator>,
    #[serde(default)]
    pub batch: Option<String>,
    /// Known per-criterion labels (criterion → label) of a golden item.
    #[serde(default)]
    pub golden: Option<BTreeMap<String, String>>,
    /// A judgment made offline (e.g. batch inference), imported with its provenance.
    #[serde(default)]
    pub judgment: Option<ImportedJudgment>,
    /// Kept verbatim.
    #[serde(default)]
    pub meta: Option<Value>,
}

/// Which model wrote the artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generator {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

/// A judgment made outside cojudge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedJudgment {
    /// criterion → label
    pub labels: BTreeMap<String, String>,
    /// criterion → confidence in [0, 1]
    #[serde(default)]
    pub confidence: BTreeMap<String, f64>,
    /// Confidence of the overall verdict; defaults to the lowest criterion confidence.
    #[serde(default)]
    pub overall_confidence: Option<f64>,
    /// criterion → the judge's rationale
    #[serde(default)]
    pub rationale: BTreeMap<String, String>,
    pub model: String,
    pub prompt_version: String,
}

/// A problem with one field of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path, e.g. `context.user.age_band`; empty for the line as a whole.
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Parses a JSON line into a record, naming the field that is wrong. Valid lines (the usual
/// case) are parsed once, without tracking paths; a line that fails is parsed again to say where.
pub fn parse_json_line(line: &str) -> Result<ItemRecord, FieldError> {
    serde_json::from_str(line).or_else(|_| {
        let mut deserializer = serde_json::Deserializer::from_str(line);
        serde_path_to_error::deserialize(&mut deserializer).map_err(path_error)
    })
}

/// Converts an already parsed JSON value (e.g. from a CSV row) into a record.
pub fn parse_value(value: Value) -> Result<ItemRecord, FieldError> {
    serde_path_to_error::deserialize(value).map_err(path_error)
}

fn path_error<E: std::fmt::Display>(error: serde_path_to_error::Error<E>) -> FieldError {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    // serde reports a missing field at its parent; name the field itself.
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        let full = if path == "." {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
        return FieldError::new(full, "is required");
    }
    let path = if path == "." { String::new() } else { path };
    FieldError::new(path, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_line_parses() {
        let record = parse_json_line(r#"{"external_id":"a","context":{},"output":"hi"}"#).unwrap();
        assert_eq!(record.external_id, "a");
        assert_eq!(record.output, Value::String("hi".into()));
    }

    #[test]
    fn a_missing_field_is_named() {
        let error = parse_json_line(r#"{"context":{},"output":"hi"}"#).unwrap_err();
        assert_eq!(error, FieldError::new("external_id", "is required"));
    }

    #[test]
    fn a_nested_type_error_names_its_path() {
        let error = parse_json_line(
            r#"{"external_id":"a","context":{},"output":"x","generator":{"model":7}}"#,
        )
        .unwrap_err();
        assert_eq!(error.path, "generator.model");
        assert!(
            error.message.contains("expected a string"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_misspelt_field_is_refused() {
        let error = parse_json_line(r#"{"external_id":"a","context":{},"output":"x","bacth":"b"}"#)
            .unwrap_err();
        assert!(
            error.message.contains("unknown field `bacth`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn broken_json_says_where() {
        let error = parse_json_line(r#"{"external_id":"a","context":{"#).unwrap_err();
        assert!(error.message.contains("column"), "{}", error.message);
    }
}
