//! The judge's answer: the JSON Schema the request asks for (`response_format: json_schema`,
//! built from the rubric), and reading an answer back, from strict JSON or, for endpoints without
//! structured output, from the first JSON object in free text.
//!
//! The answer is `{"criteria": {"<name>": {"rationale": "...", "label": "<label>"}}}`; the
//! rationale comes first so a model reasons before it commits to a label.

use app::domain::{Criterion, TaskDefinition};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One criterion's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionAnswer {
    pub label: String,
    pub rationale: String,
}

/// Why an answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer holds no JSON object")]
    NoJson,
    #[error("the answer is not the expected JSON: {0}")]
    Shape(String),
    #[error("criterion `{criterion}`: label `{label}` is not on the scale")]
    UnknownLabel { criterion: String, label: String },
    #[error("criterion `{0}` is missing from the answer")]
    MissingCriterion(String),
}

/// The JSON Schema of an answer on `criteria` (strict mode: every property required, no extras).
pub fn response_schema(task: &TaskDefinition, criteria: &[&Criterion]) -> Value {
    let labels: Vec<&str> = task.scale.labels.iter().map(|l| l.value.as_str()).collect();
    let properties: serde_json::Map<String, Value> = criteria
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["rationale", "label"],
                    "properties": {
                        "rationale": {"type": "string"},
                        "label": {"type": "string", "enum": labels},
                    },
                }),
            )
        })
        .collect();
    let names: Vec<&str> = criteria.iter().map(|c| c.name.as_str()).collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["criteria"],
        "properties": {
            "criteria": {
                "type": "object",
                "additionalProperties": false,
                "required": names,
                "properties": properties,
            },
        },
    })
}

/// Reads the answer on `criteria` out of `content`, checking every label against the scale.
pub fn parse(
    task: &TaskDefinition,
    criteria: &[&Criterion],
    content: &str,
) -> Result<BTreeMap<String, CriterionAnswer>, AnswerError> {
    let value = extract_json(content).ok_or(AnswerError::NoJson)?;
    let answers = value
        .get("criteria")
        .and_then(Value::as_object)
        .ok_or_else(|| AnswerError::Shape("no `criteria` object".into()))?;
    let mut result = BTreeMap::new();
    for criterion in criteria {
        let answer = answers
            .get(&criterion.name)
            .ok_or_else(|| AnswerError::MissingCriterion(criterion.name.clone()))?;
        let label = answer
            .get("label")
            .and_then(Value::as_str)
            .ok_or_else(|| AnswerError::Shape(format!("`{}` has no label", criterion.name)))?;
        if task.scale.label(label).is_none() {
            return Err(AnswerError::UnknownLabel {
                criterion: criterion.name.clone(),
                label: label.chars().take(40).collect(),
            });
        }
        let rationale = answer
            .get("rationale")
            .and_then(Value::as_str)
            .unwrap_or_default();
        result.insert(
            criterion.name.clone(),
            CriterionAnswer {
                label: label.to_string(),
                rationale: rationale.chars().take(2000).collect(),
            },
        );
    }
    Ok(result)
}

/// The whole content as JSON, or else the first balanced `{...}` in it that parses (code fences
/// and prose around it are ignored).
fn extract_json(content: &str) -> Option<Value> {
    let trimmed = content.trim();
    if let Ok(value @ Value::Object(_)) = serde_json::from_str(trimmed) {
        return Some(value);
    }
    let bytes = content.as_bytes();
    let mut start = 0;
    while let Some(offset) = content[start..].find('{') {
        let open = start + offset;
        if let Some(close) = balanced_end(bytes, open) {
            if let Ok(value @ Value::Object(_)) = serde_json::from_str(&content[open..=close]) {
                return Some(value);
            }
        }
        start = open + 1;
    }
    None
}

/// The index of the `}` closing the `{` at `open`, skipping braces inside strings.
fn balanced_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (index, &byte) in bytes.iter().enumerate().skip(open) {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// The byte range of the label value of `criterion` in `content` (inside its quotes), for
/// reading the label's token probabilities.
pub fn label_span(content: &str, criterion: &str) -> Option<std::ops::Range<usize>> {
    let key = format!("\"{criterion}\"");
    let at = content.find(&key)? + key.len();
    let label_key = content[at..].find("\"label\"")? + at + "\"label\"".len();
    let open = content[label_key..].find('"')? + label_key + 1;
    let close = content[open..].find('"')? + open;
    Some(open..close)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::TaskDefinition;

    fn task() -> TaskDefinition {
        toml::from_str(include_str!("../../../tasks/tag.toml")).unwrap()
    }

    #[test]
    fn strict_json_and_json_in_prose_both_parse() {
        let task = task();
        let criteria: Vec<&Criterion> = task.criteria.iter().take(1).collect();
        let strict = r#"{"criteria":{"relevance":{"rationale":"fits","label":"pass"}}}"#;
        let fenced = format!("Sure! {{not json}} here:\n```json\n{strict}\n```\nDone.");
        for content in [strict, fenced.as_str()] {
            let answer = parse(&task, &criteria, content).unwrap();
            assert_eq!(answer["relevance"].label, "pass");
            assert_eq!(answer["relevance"].rationale, "fits");
        }
    }

    #[test]
    fn labels_off_the_scale_missing_criteria_and_garbage_are_errors() {
        let task = task();
        let criteria: Vec<&Criterion> = task.criteria.iter().take(2).collect();
        let wrong = r#"{"criteria":{"relevance":{"rationale":"","label":"maybe"},"consistency":{"rationale":"","label":"pass"}}}"#;
        assert!(matches!(
            parse(&task, &criteria, wrong),
            Err(AnswerError::UnknownLabel { .. })
        ));
        let missing = r#"{"criteria":{"relevance":{"rationale":"","label":"pass"}}}"#;
        assert_eq!(
            parse(&task, &criteria, missing),
            Err(AnswerError::MissingCriterion("consistency".into()))
        );
        assert_eq!(
            parse(&task, &criteria, "I cannot judge this."),
            Err(AnswerError::NoJson)
        );
    }

    #[test]
    fn the_label_span_skips_quotes_inside_rationales() {
        let content =
            r#"{"criteria":{"a":{"rationale":"the \"label\" is \"fail\"","label":"pass"}}}"#;
        let span = label_span(content, "a").unwrap();
        assert_eq!(&content[span], "pass");
    }

    #[test]
    fn the_schema_requires_every_criterion_and_enumerates_the_scale() {
        let task = task();
        let criteria: Vec<&Criterion> = task.criteria.iter().collect();
        let schema = response_schema(&task, &criteria);
        assert_eq!(
            schema["properties"]["criteria"]["required"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
        assert_eq!(
            schema["properties"]["criteria"]["properties"]["validity"]["properties"]["label"]
                ["enum"],
            json!(["pass", "fail"])
        );
    }
}
