//! The judgment schema cojudge sends, shared by the integration tests.

use serde_json::{json, Map, Value};

/// cojudge's `judgment` JSON schema for `criteria`: each criterion's name and label enum.
pub fn judgment_schema(criteria: &[(&str, &[&str])]) -> Value {
    let properties: Map<String, Value> = criteria
        .iter()
        .map(|(name, labels)| {
            let criterion = json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["rationale", "label"],
                "properties": {
                    "rationale": {"type": "string"},
                    "label": {"type": "string", "enum": labels}
                }
            });
            ((*name).to_owned(), criterion)
        })
        .collect();
    let names: Vec<&str> = criteria.iter().map(|(name, _)| *name).collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["criteria"],
        "properties": {"criteria": {
            "type": "object",
            "additionalProperties": false,
            "required": names,
            "properties": properties
        }}
    })
}
