//! PostgreSQL stores no U+0000 (NUL) character, neither in `text` nor in a `jsonb` string or key.
//! JSON allows it (`"\u0000"`), so a line carrying one would pass every other check and then make
//! the whole import fail at COPY time, without saying where. It is refused here instead, as a
//! field error naming the field.

use super::record::{FieldError, ItemRecord};
use serde_json::Value;

/// At most this many NUL errors are reported per line.
const MAX_REPORTED: usize = 5;

/// Appends an error for every field of `record` (up to five) whose text holds a NUL character.
pub fn nul_errors(record: &ItemRecord, errors: &mut Vec<FieldError>) {
    let mut found = Vec::new();
    // `external_id` (control characters) and `task` (not this import's task) are refused
    // already.
    if record.batch.as_deref().is_some_and(has_nul) {
        found.push("batch".to_string());
    }
    let mut walk = |root: &str, value: &Value| {
        let mut path = root.to_string();
        find_in_value(value, &mut path, &mut found);
    };
    walk("context", &record.context);
    walk("output", &record.output);
    if let Some(meta) = &record.meta {
        walk("meta", meta);
    }
    for (root, value) in [
        ("generator", serde_json::to_value(&record.generator)),
        ("golden", serde_json::to_value(&record.golden)),
        ("judgment", serde_json::to_value(&record.judgment)),
    ] {
        walk(root, &value.expect("records serialise to JSON"));
    }
    errors.extend(found.into_iter().take(MAX_REPORTED).map(|path| {
        FieldError::new(
            path,
            "contains a NUL character (U+0000), which PostgreSQL cannot store",
        )
    }));
}

fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// Collects the dotted paths under `path` (`output.tags.0.tag`) whose string or key has a NUL.
fn find_in_value(value: &Value, path: &mut String, found: &mut Vec<String>) {
    if found.len() >= MAX_REPORTED {
        return;
    }
    match value {
        Value::String(text) if has_nul(text) => found.push(path.clone()),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                descend(path, &index.to_string(), |path| {
                    find_in_value(item, path, found)
                });
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let shown = key.replace('\0', "\\u0000");
                descend(path, &shown, |path| {
                    if has_nul(key) {
                        found.push(path.clone());
                    }
                    find_in_value(item, path, found)
                });
            }
        }
        _ => {}
    }
}

/// Runs `inner` with `.segment` appended to `path`, then restores it.
fn descend(path: &mut String, segment: &str, inner: impl FnOnce(&mut String)) {
    let length = path.len();
    path.push('.');
    path.push_str(segment);
    inner(path);
    path.truncate(length);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::record::parse_json_line;

    fn paths(line: &str) -> Vec<String> {
        let record = parse_json_line(line).expect("a well-formed record");
        let mut errors = Vec::new();
        nul_errors(&record, &mut errors);
        errors.into_iter().map(|e| e.path).collect()
    }

    #[test]
    fn a_nul_is_reported_at_its_field_wherever_it_is() {
        let line = r#"{"external_id":"a","batch":"b\u0000","context":{"k\u0000":1,"list":["x","y\u0000"]},
            "output":{"tags":[{"tag":"t\u0000"}]},"meta":"m\u0000"}"#;
        assert_eq!(
            paths(&line.replace('\n', "")),
            [
                "batch",
                "context.k\\u0000",
                "context.list.1",
                "output.tags.0.tag",
                "meta"
            ]
        );
    }

    #[test]
    fn golden_labels_and_judgments_are_searched_too() {
        let line = r#"{"external_id":"a","context":{},"output":{},"golden":{"relevance":"pass\u0000"},
            "judgment":{"labels":{},"model":"m","prompt_version":"v\u0000"}}"#;
        assert_eq!(
            paths(&line.replace('\n', "")),
            ["golden.relevance", "judgment.prompt_version"]
        );
    }

    #[test]
    fn text_without_nul_passes_and_other_control_characters_are_fine_in_content() {
        let line = r#"{"external_id":"a","context":{"k":"tab\tnew\nline \u0001"},"output":"\\u0000 spelt out"}"#;
        assert!(paths(line).is_empty());
    }
}
