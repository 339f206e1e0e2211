//! The OpenAI wire format of the fake's responses: chat completions (with usage and token
//! logprobs), the model list and error bodies.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::request::ChatRequest;
use crate::tokens::{score_tokens, ScoredToken, Segment};

/// The one model `GET /v1/models` lists.
const LISTED_MODEL: &str = "fake-judge";
/// Reported as the backend configuration of every completion.
const SYSTEM_FINGERPRINT: &str = "fp_fake_openai";
/// Characters per prompt token, roughly, for the usage figures.
const CHARS_PER_PROMPT_TOKEN: usize = 4;

/// A `chat.completion` answering `request` with the content of `segments`.
pub(crate) fn chat_completion(request: &ChatRequest, segments: &[Segment]) -> Value {
    let tokens = score_tokens(segments);
    let content: String = tokens.iter().map(|token| token.text.as_str()).collect();
    let logprobs = request.wants_logprobs().then(|| {
        let top_count = request.top_logprobs();
        let content: Vec<Value> = tokens
            .iter()
            .map(|token| token_logprob(token, top_count))
            .collect();
        json!({"content": content, "refusal": null})
    });
    let prompt_tokens = (request.prompt_chars() / CHARS_PER_PROMPT_TOKEN).max(1);
    let completion_tokens = tokens.len();
    json!({
        "id": format!("chatcmpl-fake-{}", request.index),
        "object": "chat.completion",
        "created": unix_seconds(),
        "model": request.model(),
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": content,
                "refusal": null,
                "annotations": []
            },
            "logprobs": logprobs,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens
        }
    })
}

/// The `GET /v1/models` list.
pub(crate) fn model_list() -> Value {
    json!({
        "object": "list",
        "data": [{
            "id": LISTED_MODEL,
            "object": "model",
            "created": 0,
            "owned_by": "fake-openai"
        }]
    })
}

/// An OpenAI error body for `status`.
pub(crate) fn error_body(status: StatusCode, message: &str) -> Value {
    let error_type = match status.as_u16() {
        401 | 403 => "authentication_error",
        429 => "rate_limit_error",
        500..=599 => "server_error",
        _ => "invalid_request_error",
    };
    json!({
        "error": {
            "message": message,
            "type": error_type,
            "param": null,
            "code": null
        }
    })
}

fn token_logprob(token: &ScoredToken, top_count: usize) -> Value {
    let top_logprobs: Vec<Value> = token
        .candidates
        .iter()
        .take(top_count)
        .map(|(text, logprob)| json!({"token": text, "logprob": logprob, "bytes": text.as_bytes()}))
        .collect();
    json!({
        "token": token.text,
        "logprob": token.logprob,
        "bytes": token.text.as_bytes(),
        "top_logprobs": top_logprobs
    })
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
