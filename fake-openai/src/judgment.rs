//! The assistant content of a [`Reply::Judgment`](crate::Reply::Judgment): the judgment JSON,
//! bare for structured output or wrapped in prose and a code fence otherwise, as segments that
//! mark each label value as a choice among its criterion's labels.

use std::mem;

use serde_json::Value;

use crate::request::ChatRequest;
use crate::tokens::Segment;

/// What precedes the JSON when the request had no `response_format`.
const PROSE_OPENING: &str = "Here is my judgment:\n```json\n";
/// What follows the JSON when the request had no `response_format`.
const PROSE_CLOSING: &str = "\n```";

/// The content of a judgment of `labels` — `(criterion, label, probability)` — answering
/// `request`.
pub(crate) fn judgment_segments(
    labels: &[(String, String, f64)],
    request: &ChatRequest,
) -> Vec<Segment> {
    let schema_criteria = request.criteria();
    let structured = request.has_schema();
    let mut segments = Vec::new();
    let mut text = String::from(if structured { "" } else { PROSE_OPENING });
    text.push_str(r#"{"criteria":{"#);
    for (position, (criterion, label, probability)) in labels.iter().enumerate() {
        if position > 0 {
            text.push(',');
        }
        let rationale = format!("The response was assessed for {criterion} and judged {label}.");
        text.push_str(&format!(
            r#"{}:{{"rationale":{},"label":""#,
            Value::from(criterion.as_str()),
            Value::from(rationale),
        ));
        segments.push(Segment::Certain(mem::take(&mut text)));
        let enum_labels = schema_criteria
            .iter()
            .find(|(name, _)| name == criterion)
            .map_or(&[][..], |(_, enum_labels)| enum_labels.as_slice());
        segments.push(Segment::Choice {
            token: json_string_body(label),
            probability: *probability,
            alternatives: enum_labels
                .iter()
                .filter(|other| *other != label)
                .map(|other| json_string_body(other))
                .collect(),
        });
        text.push_str(r#""}"#);
    }
    text.push_str("}}");
    if !structured {
        text.push_str(PROSE_CLOSING);
    }
    segments.push(Segment::Certain(text));
    segments
}

/// `text` escaped for a JSON string, without the surrounding quotes.
fn json_string_body(text: &str) -> String {
    let quoted = Value::from(text).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|segment| match segment {
                Segment::Certain(text) => text.as_str(),
                Segment::Choice { token, .. } => token.as_str(),
            })
            .collect()
    }

    fn schema_request() -> ChatRequest {
        let label = |labels: &[&str]| json!({"properties": {"label": {"enum": labels}}});
        ChatRequest {
            body: json!({"response_format": {"type": "json_schema", "json_schema": {
                "name": "judgment",
                "schema": {"properties": {"criteria": {
                    "required": ["relevance", "validity"],
                    "properties": {
                        "relevance": label(&["pass", "fail"]),
                        "validity": label(&["pass", "partial", "fail"])
                    }
                }}}
            }}}),
            index: 0,
        }
    }

    #[test]
    fn structured_content_is_the_judgment_json_in_the_given_order() {
        let labels = [
            ("validity".to_owned(), "fail".to_owned(), 0.7),
            ("relevance".to_owned(), "pass".to_owned(), 0.9),
        ];
        let text = content(&judgment_segments(&labels, &schema_request()));
        let judgment: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(judgment["criteria"]["validity"]["label"], "fail");
        assert_eq!(judgment["criteria"]["relevance"]["label"], "pass");
        assert!(text.starts_with(r#"{"criteria":{"validity":{"rationale":""#));
        assert!(judgment["criteria"]["relevance"]["rationale"]
            .as_str()
            .unwrap()
            .contains("relevance"));
    }

    #[test]
    fn labels_are_choices_among_the_other_enum_labels() {
        let labels = [("validity".to_owned(), "partial".to_owned(), 0.6)];
        let segments = judgment_segments(&labels, &schema_request());
        assert!(segments.contains(&Segment::Choice {
            token: "partial".into(),
            probability: 0.6,
            alternatives: vec!["pass".into(), "fail".into()],
        }));
    }

    #[test]
    fn without_a_schema_the_json_is_fenced_in_prose() {
        let request = ChatRequest {
            body: json!({}),
            index: 0,
        };
        let labels = [("tone".to_owned(), "ok \"quoted\"".to_owned(), 0.8)];
        let segments = judgment_segments(&labels, &request);
        let text = content(&segments);
        let json_text = text
            .strip_prefix(PROSE_OPENING)
            .and_then(|rest| rest.strip_suffix(PROSE_CLOSING))
            .unwrap();
        let judgment: Value = serde_json::from_str(json_text).unwrap();
        assert_eq!(judgment["criteria"]["tone"]["label"], "ok \"quoted\"");
        assert!(segments.contains(&Segment::Choice {
            token: r#"ok \"quoted\""#.into(),
            probability: 0.8,
            alternatives: vec![],
        }));
    }
}
