//! Renders an item's JSON for reading rather than as raw JSON: objects become labelled fields,
//! lists of words become chips, lists of flat records become tables, other lists become numbered
//! cards. Every string is inserted as text, never as markup, so generated content cannot inject
//! HTML. Fields appear in the order the task's JSON Schemas list them as `required` (the order
//! the task author wrote), other fields after them.

use leptos::prelude::*;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The readable view of `value`, fields ordered by `order` (see [`crate::domain::field_order`]).
pub fn json_view(value: &Value, order: &Arc<[String]>) -> AnyView {
    match value {
        Value::Null => view! { <span class="muted">"—"</span> }.into_any(),
        Value::Bool(flag) => view! { <span>{if *flag { "yes" } else { "no" }}</span> }.into_any(),
        Value::Number(number) => {
            view! { <span class="number">{number.to_string()}</span> }.into_any()
        }
        Value::String(text) => view! { <span class="text">{text.clone()}</span> }.into_any(),
        Value::Array(items) if items.is_empty() => {
            view! { <span class="muted">"none"</span> }.into_any()
        }
        Value::Array(items) if items.iter().all(is_scalar) => chips(items),
        Value::Array(items) => match flat_records(items) {
            Some(columns) => table(&sorted(columns, order), items),
            None => cards(items, order),
        },
        Value::Object(fields) => field_list(fields, order),
    }
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}

fn chips(items: &[Value]) -> AnyView {
    view! {
        <ul class="chips">
            {items.iter().map(|item| view! { <li class="chip">{scalar_text(item)}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The column names when every item is an object of scalars (keys in first-seen order).
fn flat_records(items: &[Value]) -> Option<Vec<String>> {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        let fields = item.as_object()?;
        if !fields.values().all(is_scalar) {
            return None;
        }
        for key in fields.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    Some(columns)
}

fn table(columns: &[String], items: &[Value]) -> AnyView {
    let head = columns
        .iter()
        .map(|c| view! { <th scope="col">{humanise(c)}</th> })
        .collect_view();
    let rows = items
        .iter()
        .map(|item| {
            let cells = columns
                .iter()
                .map(|c| view! { <td>{item.get(c).map(scalar_text).unwrap_or_default()}</td> })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="table records">
            <thead><tr>{head}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn cards(items: &[Value], order: &Arc<[String]>) -> AnyView {
    view! {
        <ol class="json-cards">
            {items.iter().map(|item| view! { <li>{json_view(item, order)}</li> }).collect_view()}
        </ol>
    }
    .into_any()
}

fn field_list(fields: &Map<String, Value>, order: &Arc<[String]>) -> AnyView {
    let keys = sorted(fields.keys().cloned().collect(), order);
    view! {
        <dl class="fields">
            {keys.into_iter().map(|key| view! {
                <div class="field">
                    <dt>{humanise(&key)}</dt>
                    <dd>{json_view(&fields[&key], order)}</dd>
                </div>
            }).collect_view()}
        </dl>
    }
    .into_any()
}

/// `keys` in `order`, unlisted ones after the listed, alphabetically.
fn sorted(mut keys: Vec<String>, order: &[String]) -> Vec<String> {
    keys.sort_by_key(|key| {
        let rank = order.iter().position(|known| known == key);
        (rank.unwrap_or(usize::MAX), key.clone())
    });
    keys
}

/// `age_band` → `Age band`, `cityTier` → `City tier`.
pub fn humanise(key: &str) -> String {
    let mut words = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        if c == '_' || c == '-' {
            words.push(' ');
        } else if c.is_uppercase() && i > 0 {
            words.push(' ');
            words.extend(c.to_lowercase());
        } else if i == 0 {
            words.extend(c.to_uppercase());
        } else {
            words.push(c);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::field_order::field_order;
    use serde_json::json;

    #[test]
    fn keys_read_as_words() {
        assert_eq!(humanise("age_band"), "Age band");
        assert_eq!(humanise("cityTier"), "City tier");
        assert_eq!(humanise("tags"), "Tags");
    }

    #[test]
    fn flat_records_become_tables_and_nested_ones_do_not() {
        let flat = json!([{"tag": "a", "interest": "b"}, {"tag": "c", "reason": "d"}]);
        assert_eq!(
            flat_records(flat.as_array().unwrap()),
            Some(vec!["interest".into(), "tag".into(), "reason".into()])
        );
        let nested = json!([{"date": "2025-06-01", "events": [{"action": "buy"}]}]);
        assert_eq!(flat_records(nested.as_array().unwrap()), None);
    }

    #[test]
    fn fields_follow_the_schema_order() {
        let schema = json!({"required": ["user", "recent"], "properties": {"user": {"required": ["age_band", "gender"]}}});
        let order = field_order(&[&schema]);
        assert_eq!(order, ["user", "recent", "age_band", "gender"]);
        let keys = vec![
            "gender".to_string(),
            "zeta".into(),
            "age_band".into(),
            "alpha".into(),
        ];
        assert_eq!(
            sorted(keys, &order),
            ["age_band", "gender", "alpha", "zeta"]
        );
    }

    #[test]
    fn markup_in_generated_text_is_rendered_as_text() {
        let order: Arc<[String]> = Arc::from(Vec::new());
        let html = json_view(&json!({"reason": "<img src=x onerror=alert(1)>"}), &order).to_html();
        assert!(html.contains("&lt;img"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }
}
