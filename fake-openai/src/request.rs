//! A received chat-completions request and the questions an answerer asks of it: the prompt,
//! the judgment schema's criteria and the sampling options.

use serde_json::Value;

/// The most alternatives OpenAI returns per token (`top_logprobs` is capped at 20).
const MAX_TOP_LOGPROBS: usize = 20;

/// The model named in responses when the request names none.
const DEFAULT_MODEL: &str = "fake-judge";

/// One `POST /v1/chat/completions` request as the server received it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The JSON body, verbatim.
    pub body: Value,
    /// 0-based arrival order among all chat requests this server received.
    pub index: usize,
}

impl ChatRequest {
    /// The content of the first `system` (or `developer`) message; `""` if there is none.
    pub fn system(&self) -> &str {
        self.messages()
            .find(|message| matches!(message["role"].as_str(), Some("system" | "developer")))
            .map_or("", message_text)
    }

    /// The content of the last `user` message (the one being judged); `""` if there is none.
    pub fn user(&self) -> &str {
        self.messages()
            .filter(|message| message["role"] == "user")
            .last()
            .map_or("", message_text)
    }

    /// The criteria of the `json_schema` response format, in the schema's order: each
    /// criterion's name and its `label` enum. Empty when the request carries no schema.
    ///
    /// The order is taken from the `criteria` object's `required` list (serde_json's map sorts
    /// keys), followed by any property it does not mention.
    pub fn criteria(&self) -> Vec<(String, Vec<String>)> {
        let criteria = &self.schema()["properties"]["criteria"];
        let Some(properties) = criteria["properties"].as_object() else {
            return Vec::new();
        };
        let required = criteria["required"].as_array().into_iter().flatten();
        let mut names: Vec<&str> = required
            .filter_map(Value::as_str)
            .filter(|name| properties.contains_key(*name))
            .collect();
        for name in properties.keys() {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
            .into_iter()
            .map(|name| {
                let labels = properties[name]["properties"]["label"]["enum"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                (name.to_owned(), labels)
            })
            .collect()
    }

    /// Whether the request asked for token log probabilities (`"logprobs": true`).
    pub fn wants_logprobs(&self) -> bool {
        self.body["logprobs"].as_bool().unwrap_or(false)
    }

    /// How many alternatives to list per token (`top_logprobs`, 0 when absent, at most 20).
    pub fn top_logprobs(&self) -> usize {
        self.body["top_logprobs"]
            .as_u64()
            .map_or(0, |count| {
                usize::try_from(count).unwrap_or(MAX_TOP_LOGPROBS)
            })
            .min(MAX_TOP_LOGPROBS)
    }

    /// Whether the request carries a `json_schema` response format (structured output).
    pub fn has_schema(&self) -> bool {
        self.body["response_format"]["type"] == "json_schema" && self.schema().is_object()
    }

    /// The sampling temperature, if the request set one.
    pub fn temperature(&self) -> Option<f64> {
        self.body["temperature"].as_f64()
    }

    /// The requested model, or `fake-judge` when the request names none.
    pub fn model(&self) -> &str {
        self.body["model"].as_str().unwrap_or(DEFAULT_MODEL)
    }

    /// Characters across all message contents: the basis of the fake prompt token count.
    pub(crate) fn prompt_chars(&self) -> usize {
        self.messages()
            .map(|message| message_text(message).chars().count())
            .sum()
    }

    fn messages(&self) -> impl Iterator<Item = &Value> {
        self.body["messages"].as_array().into_iter().flatten()
    }

    fn schema(&self) -> &Value {
        &self.body["response_format"]["json_schema"]["schema"]
    }
}

/// A message's text: its string content, or the first text part of an array content.
fn message_text(message: &Value) -> &str {
    let content = &message["content"];
    content
        .as_str()
        .or_else(|| {
            let parts = content.as_array()?;
            parts.iter().find_map(|part| part["text"].as_str())
        })
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn label_property(labels: &[&str]) -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["rationale", "label"],
            "properties": {
                "rationale": {"type": "string"},
                "label": {"type": "string", "enum": labels}
            }
        })
    }

    fn judge_request() -> ChatRequest {
        let schema = json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["criteria"],
            "properties": {"criteria": {
                "type": "object",
                "additionalProperties": false,
                "required": ["validity", "relevance"],
                "properties": {
                    "relevance": label_property(&["pass", "fail"]),
                    "validity": label_property(&["valid", "partly", "invalid"])
                }
            }}
        });
        ChatRequest {
            body: json!({
                "model": "gpt-judge",
                "temperature": 0.0,
                "logprobs": true,
                "top_logprobs": 50,
                "messages": [
                    {"role": "system", "content": "You are a judge."},
                    {"role": "user", "content": [{"type": "text", "text": "Judge this."}]}
                ],
                "response_format": {"type": "json_schema", "json_schema": {
                    "name": "judgment", "strict": true, "schema": schema
                }}
            }),
            index: 0,
        }
    }

    #[test]
    fn criteria_follow_the_required_order_with_their_label_enums() {
        assert_eq!(
            judge_request().criteria(),
            vec![
                (
                    "validity".to_owned(),
                    vec!["valid".into(), "partly".into(), "invalid".into()]
                ),
                ("relevance".to_owned(), vec!["pass".into(), "fail".into()]),
            ]
        );
    }

    #[test]
    fn accessors_read_the_body() {
        let request = judge_request();
        assert_eq!(request.system(), "You are a judge.");
        assert_eq!(request.user(), "Judge this.");
        assert!(request.wants_logprobs());
        assert_eq!(request.top_logprobs(), 20);
        assert!(request.has_schema());
        assert_eq!(request.temperature(), Some(0.0));
        assert_eq!(request.model(), "gpt-judge");
        assert_eq!(request.prompt_chars(), 16 + 11);
    }

    #[test]
    fn a_bare_request_has_no_schema_and_defaults() {
        let request = ChatRequest {
            body: json!({"messages": [{"role": "user", "content": "hi"}]}),
            index: 3,
        };
        assert_eq!(request.system(), "");
        assert_eq!(request.user(), "hi");
        assert!(request.criteria().is_empty());
        assert!(!request.has_schema());
        assert!(!request.wants_logprobs());
        assert_eq!(request.top_logprobs(), 0);
        assert_eq!(request.temperature(), None);
        assert_eq!(request.model(), "fake-judge");
    }
}
