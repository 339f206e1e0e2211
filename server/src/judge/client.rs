//! One chat completion against the OpenAI-compatible endpoint, through async-openai over
//! [`ResilientHttp`]. Asks for structured output (`response_format: json_schema`) and, when the
//! endpoint rejects that with a 400, falls back to plain text for the rest of the process (the
//! answer parser reads JSON out of text either way).

use super::confidence::TokenLogprob;
use super::http::{CallStats, ResilientHttp, CALL_STATS};
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest, ResponseFormat,
    ResponseFormatJsonSchema,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One request to the judge model.
#[derive(Debug, Clone)]
pub struct ChatCall {
    pub model: String,
    pub system: String,
    pub user: String,
    /// The answer's JSON Schema, sent as `response_format` while the endpoint accepts it.
    pub schema: serde_json::Value,
    pub logprobs: bool,
    pub temperature: Option<f32>,
}

/// The model's answer and what it cost.
#[derive(Debug, Clone, Default)]
pub struct ChatAnswer {
    pub content: String,
    /// Per-token log-probabilities, when asked for and returned.
    pub tokens: Option<Vec<TokenLogprob>>,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// HTTP attempts, retries included.
    pub attempts: u32,
}

/// Why a call failed after its retries. Messages name the failure, never the endpoint's secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("the endpoint answered HTTP {status}: {message}")]
    Status {
        status: u16,
        message: String,
        /// The endpoint's `Retry-After` on its last answer.
        retry_after: Option<Duration>,
    },
    #[error("the request timed out")]
    Timeout,
    #[error("the endpoint could not be reached")]
    Unreachable,
    #[error("the endpoint's answer could not be read: {0}")]
    BadResponse(String),
}

impl CallError {
    /// How long the endpoint asked to be left alone, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CallError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A client for one endpoint. Cheap to clone.
#[derive(Clone)]
pub struct LlmClient {
    client: async_openai::Client<OpenAIConfig>,
    structured_output: Arc<AtomicBool>,
}

impl LlmClient {
    pub fn new(base_url: &str, api_key: Option<&SecretString>, http: ResilientHttp) -> LlmClient {
        let config = OpenAIConfig::new()
            .with_api_base(base_url.trim_end_matches('/'))
            .with_api_key(api_key.map(|key| key.expose_secret()).unwrap_or_default());
        LlmClient {
            client: async_openai::Client::with_config(config).with_http_service(http),
            structured_output: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Sends `call`, counting HTTP attempts.
    pub async fn chat(&self, call: &ChatCall) -> Result<ChatAnswer, CallError> {
        let stats = Arc::new(CallStats::default());
        let result = CALL_STATS.scope(stats.clone(), self.chat_inner(call)).await;
        match result {
            Ok(answer) => Ok(ChatAnswer {
                attempts: stats.attempts(),
                ..answer
            }),
            Err(CallError::Status {
                status, message, ..
            }) => Err(CallError::Status {
                status,
                message,
                retry_after: stats.retry_after(),
            }),
            Err(other) => Err(other),
        }
    }

    async fn chat_inner(&self, call: &ChatCall) -> Result<ChatAnswer, CallError> {
        loop {
            let structured = self.structured_output.load(Ordering::Relaxed);
            match self.client.chat().create(request(call, structured)).await {
                Ok(response) => {
                    let usage = response.usage.clone().unwrap_or_default();
                    let choice = response.choices.into_iter().next().ok_or_else(|| {
                        CallError::BadResponse("the answer has no choices".into())
                    })?;
                    let tokens = choice.logprobs.and_then(|l| l.content).map(|tokens| {
                        tokens
                            .into_iter()
                            .map(|t| TokenLogprob {
                                text: match t.bytes {
                                    Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                                    None => t.token,
                                },
                                logprob: t.logprob as f64,
                            })
                            .collect()
                    });
                    return Ok(ChatAnswer {
                        content: choice.message.content.unwrap_or_default(),
                        tokens,
                        prompt_tokens: usage.prompt_tokens,
                        completion_tokens: usage.completion_tokens,
                        attempts: 0,
                    });
                }
                Err(OpenAIError::ApiError(error))
                    if structured && error.status_code.as_u16() == 400 =>
                {
                    tracing::warn!(
                        "the judge endpoint refused response_format json_schema; falling back to JSON in plain text"
                    );
                    self.structured_output.store(false, Ordering::Relaxed);
                }
                Err(error) => return Err(classify(error)),
            }
        }
    }
}

fn request(call: &ChatCall, structured: bool) -> CreateChatCompletionRequest {
    let messages: Vec<ChatCompletionRequestMessage> = vec![
        ChatCompletionRequestSystemMessage::from(call.system.as_str()).into(),
        ChatCompletionRequestUserMessage::from(call.user.as_str()).into(),
    ];
    CreateChatCompletionRequest {
        model: call.model.clone(),
        messages,
        temperature: call.temperature,
        logprobs: call.logprobs.then_some(true),
        response_format: structured.then(|| ResponseFormat::JsonSchema {
            json_schema: ResponseFormatJsonSchema {
                description: None,
                name: "judgment".into(),
                schema: call.schema.clone(),
                strict: Some(true),
            },
        }),
        ..Default::default()
    }
}

fn classify(error: OpenAIError) -> CallError {
    match error {
        OpenAIError::ApiError(error) => CallError::Status {
            status: error.status_code.as_u16(),
            message: error.api_error.message.chars().take(200).collect(),
            retry_after: None,
        },
        OpenAIError::Reqwest(error) if error.is_timeout() => CallError::Timeout,
        OpenAIError::Reqwest(error) if error.is_connect() => CallError::Unreachable,
        OpenAIError::Reqwest(error) if error.is_decode() || error.is_body() => {
            CallError::BadResponse("the body could not be read".into())
        }
        OpenAIError::Reqwest(_) => CallError::Unreachable,
        OpenAIError::JSONDeserialize(error, _) => CallError::BadResponse(error.to_string()),
        other => CallError::BadResponse(other.to_string().chars().take(200).collect()),
    }
}
