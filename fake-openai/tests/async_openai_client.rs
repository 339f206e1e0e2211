//! The fake server through the `async-openai` client cojudge uses: its responses must
//! deserialize into the client's types, content and logprobs included.

mod common;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequestArgs, FinishReason, ResponseFormat, ResponseFormatJsonSchema,
};
use async_openai::Client;
use common::judgment_schema;
use fake_openai::{FakeOpenAi, Reply};
use serde_json::Value;

fn client_of(server: &FakeOpenAi) -> Client<OpenAIConfig> {
    Client::with_config(
        OpenAIConfig::new()
            .with_api_base(server.base_url())
            .with_api_key("test-key"),
    )
}

#[tokio::test]
async fn async_openai_reads_a_judgment_with_logprobs() {
    let server = FakeOpenAi::start().await;
    server.push(Reply::judgment(&[("relevance", "fail", 0.75)]));
    let client = client_of(&server);
    let request = CreateChatCompletionRequestArgs::default()
        .model("judge-model")
        .temperature(0.0)
        .logprobs(true)
        .top_logprobs(2)
        .messages([
            ChatCompletionRequestSystemMessage::from("You are a judge.").into(),
            ChatCompletionRequestUserMessage::from("Is this relevant?").into(),
        ])
        .response_format(ResponseFormat::JsonSchema {
            json_schema: ResponseFormatJsonSchema {
                description: None,
                name: "judgment".into(),
                schema: judgment_schema(&[("relevance", &["pass", "fail"])]),
                strict: Some(true),
            },
        })
        .build()
        .unwrap();

    let response = client.chat().create(request).await.unwrap();

    assert_eq!(response.object, "chat.completion");
    assert_eq!(response.model, "judge-model");
    let choice = &response.choices[0];
    assert_eq!(choice.finish_reason, Some(FinishReason::Stop));
    let content = choice.message.content.as_deref().unwrap();
    let judgment: Value = serde_json::from_str(content).unwrap();
    assert_eq!(judgment["criteria"]["relevance"]["label"], "fail");

    let tokens = choice.logprobs.as_ref().unwrap().content.as_ref().unwrap();
    let texts: String = tokens.iter().map(|token| token.token.as_str()).collect();
    assert_eq!(texts, content);
    let label = tokens.iter().find(|token| token.logprob != 0.0).unwrap();
    assert_eq!(label.token, "fail");
    assert!((f64::from(label.logprob) - 0.75_f64.ln()).abs() < 1e-6);
    let candidates: Vec<&str> = label
        .top_logprobs
        .iter()
        .map(|top| top.token.as_str())
        .collect();
    assert_eq!(candidates, ["fail", "pass"]);

    let usage = response.usage.unwrap();
    assert_eq!(usage.completion_tokens as usize, tokens.len());
    assert_eq!(server.request_count(), 1);
    let sent = &server.requests()[0];
    assert_eq!(sent["response_format"]["json_schema"]["name"], "judgment");
    assert_eq!(sent["logprobs"], true);
}

/// async-openai's default client retries a 429 three times (honouring `Retry-After`) before
/// giving up, so every attempt reaches the fake and consumes a scripted reply.
#[tokio::test]
async fn async_openai_retries_rate_limits_then_reports_an_api_error() {
    const ATTEMPTS: usize = 4;
    let server = FakeOpenAi::start().await;
    for _ in 0..ATTEMPTS {
        server.push(Reply::Status {
            code: 429,
            retry_after: Some(0),
        });
    }
    let request = CreateChatCompletionRequestArgs::default()
        .model("judge-model")
        .messages([ChatCompletionRequestUserMessage::from("Hello").into()])
        .build()
        .unwrap();

    let error = client_of(&server).chat().create(request).await.unwrap_err();

    let OpenAIError::ApiError(response) = error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(response.status_code.as_u16(), 429);
    assert_eq!(
        response.api_error.r#type.as_deref(),
        Some("rate_limit_error")
    );
    assert_eq!(server.request_count(), ATTEMPTS);
}
