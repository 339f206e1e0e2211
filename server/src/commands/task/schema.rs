//! Checking that a task's context and output schemas are themselves valid JSON Schemas.

use super::parse::{join, Problem};
use serde_json::Value;

/// Every way `schema` breaks its meta-schema; if none, whether it compiles (a `$ref` that
/// cannot be resolved, say). Nothing is fetched from the network.
pub(super) fn schema_problems(field: &str, schema: &Value) -> Vec<Problem> {
    let validator = match jsonschema::meta::validator_for(schema) {
        Ok(validator) => validator,
        Err(error) => return vec![Problem::at(field, format!("not a JSON Schema: {error}"))],
    };
    let problems: Vec<Problem> = validator
        .iter_errors(schema)
        .map(|error| {
            let pointer = error.instance_path().to_string();
            Problem::at(pointer_path(field, schema, &pointer), error.to_string())
        })
        .collect();
    if !problems.is_empty() {
        return problems;
    }
    match jsonschema::validator_for(schema) {
        Ok(_) => Vec::new(),
        Err(error) => vec![Problem::at(
            field,
            format!("not a usable JSON Schema: {error}"),
        )],
    }
}

/// A JSON pointer into `schema` as a TOML-style path: `output_schema.properties.tags.type`,
/// with `[i]` for array elements and quotes around keys that are not bare TOML keys.
fn pointer_path(field: &str, schema: &Value, pointer: &str) -> String {
    let mut path = field.to_string();
    let mut node = Some(schema);
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        match node {
            Some(Value::Array(items)) => {
                path.push_str(&format!("[{token}]"));
                node = token.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            _ => {
                path = join(&path, &token);
                node = node.and_then(|n| n.get(&token));
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_paths_index_arrays_and_quote_odd_keys() {
        let schema = serde_json::json!({"$defs": {"a": {"enum": [1, {"x": 2}]}}});
        assert_eq!(
            pointer_path("s", &schema, "/$defs/a/enum/1/x"),
            "s.\"$defs\".a.enum[1].x"
        );
    }

    #[test]
    fn a_schema_with_an_unknown_type_is_one_problem_at_that_keyword() {
        let schema = serde_json::json!({"type": "object", "properties": {"a": {"type": "strng"}}});
        let problems = schema_problems("output_schema", &schema);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "output_schema.properties.a.type");
    }

    #[test]
    fn the_empty_schema_is_valid() {
        assert!(schema_problems("s", &serde_json::json!({})).is_empty());
    }
}
