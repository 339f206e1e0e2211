//! The order in which an item's fields are shown: the order the task's JSON Schemas list them
//! as `required` (the order the task author wrote), nested objects after their parents.

use serde_json::Value;

/// Field names in display order, gathered from the `required` lists of `schemas`.
pub fn field_order(schemas: &[&Value]) -> Vec<String> {
    fn walk(value: &Value, order: &mut Vec<String>) {
        match value {
            Value::Object(fields) => {
                if let Some(Value::Array(required)) = fields.get("required") {
                    for name in required.iter().filter_map(Value::as_str) {
                        if !order.iter().any(|known| known == name) {
                            order.push(name.to_string());
                        }
                    }
                }
                fields.values().for_each(|v| walk(v, order));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, order)),
            _ => {}
        }
    }
    let mut order = Vec::new();
    schemas.iter().for_each(|schema| walk(schema, &mut order));
    order
}

#[cfg(test)]
mod tests {
    use super::field_order;
    use serde_json::json;

    #[test]
    fn required_fields_come_in_schema_order_and_each_name_once() {
        let output = json!({"required": ["tags"], "properties": {"tags": {"items": {"required": ["tag", "reason"]}}}});
        let context = json!({"required": ["user", "tags"], "properties": {"user": {"required": ["age_band"]}}});
        assert_eq!(
            field_order(&[&output, &context]),
            ["tags", "tag", "reason", "user", "age_band"]
        );
    }
}
