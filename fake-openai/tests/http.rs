//! The fake server over plain HTTP: wire format, logprobs, scripting, errors, latency, hangs and
//! the request journal.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::judgment_schema;
use fake_openai::{ChatRequest, FakeOpenAi, Options, Reply};
use serde_json::{json, Value};

const PASS_FAIL: &[&str] = &["pass", "fail"];

/// A chat-completions body as cojudge sends it; `schema` adds the `json_schema` format.
fn chat_body(user: &str, schema: Option<Value>, logprobs: bool) -> Value {
    let mut body = json!({
        "model": "judge-model",
        "temperature": 0.0,
        "seed": 7,
        "messages": [
            {"role": "system", "content": "You are a strict judge."},
            {"role": "user", "content": user}
        ]
    });
    if let Some(schema) = schema {
        body["response_format"] = json!({"type": "json_schema", "json_schema": {
            "name": "judgment", "strict": true, "schema": schema
        }});
    }
    if logprobs {
        body["logprobs"] = json!(true);
        body["top_logprobs"] = json!(5);
    }
    body
}

async fn post(server: &FakeOpenAi, body: &Value) -> reqwest::Response {
    post_with(&reqwest::Client::new(), server, body).await
}

async fn post_with(
    client: &reqwest::Client,
    server: &FakeOpenAi,
    body: &Value,
) -> reqwest::Response {
    client
        .post(format!("{}/chat/completions", server.base_url()))
        .bearer_auth("test-key")
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn completion(server: &FakeOpenAi, body: &Value) -> Value {
    let response = post(server, body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn content(completion: &Value) -> &str {
    completion["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
}

fn logprob_tokens(completion: &Value) -> &Vec<Value> {
    completion["choices"][0]["logprobs"]["content"]
        .as_array()
        .unwrap()
}

#[tokio::test]
async fn a_judgment_carries_label_logprobs_and_exact_tokens() {
    let server = FakeOpenAi::start().await;
    server.push(Reply::judgment(&[
        ("relevance", "pass", 0.8),
        ("validity", "fail", 0.3),
    ]));
    let schema = judgment_schema(&[("relevance", PASS_FAIL), ("validity", PASS_FAIL)]);
    let completion = completion(&server, &chat_body("Judge me", Some(schema), true)).await;

    assert_eq!(completion["object"], "chat.completion");
    assert_eq!(completion["model"], "judge-model");
    assert_eq!(completion["choices"][0]["index"], 0);
    assert_eq!(completion["choices"][0]["finish_reason"], "stop");
    assert_eq!(completion["choices"][0]["message"]["role"], "assistant");
    let text = content(&completion);
    let judgment: Value = serde_json::from_str(text).unwrap();
    assert_eq!(judgment["criteria"]["relevance"]["label"], "pass");
    assert_eq!(judgment["criteria"]["validity"]["label"], "fail");

    let tokens = logprob_tokens(&completion);
    let texts: Vec<&str> = tokens
        .iter()
        .map(|token| token["token"].as_str().unwrap())
        .collect();
    assert_eq!(texts.concat(), text);
    for token in tokens {
        let bytes: Vec<u8> = serde_json::from_value(token["bytes"].clone()).unwrap();
        assert_eq!(bytes, token["token"].as_str().unwrap().as_bytes());
    }

    let uncertain: Vec<(usize, &Value)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, token)| token["logprob"].as_f64().unwrap() != 0.0)
        .collect();
    assert_eq!(uncertain.len(), 2);
    for ((position, token), (label, probability, other)) in uncertain
        .into_iter()
        .zip([("pass", 0.8, "fail"), ("fail", 0.3, "pass")])
    {
        assert_eq!(token["token"], label);
        assert!(texts[..position].concat().ends_with(r#""label":""#));
        let logprob = token["logprob"].as_f64().unwrap();
        assert!((logprob - f64::ln(probability)).abs() < 1e-9);
        let top = token["top_logprobs"].as_array().unwrap();
        let alternative = top
            .iter()
            .find(|candidate| candidate["token"] == other)
            .unwrap();
        let rest = alternative["logprob"].as_f64().unwrap();
        assert!((rest - f64::ln(1.0 - probability)).abs() < 1e-9);
        assert!(top.iter().any(|candidate| candidate["token"] == label));
    }

    let usage = &completion["usage"];
    assert_eq!(
        usage["completion_tokens"].as_u64().unwrap(),
        tokens.len() as u64
    );
    assert_eq!(usage["prompt_tokens"].as_u64().unwrap(), (23 + 8) / 4);
    assert_eq!(
        usage["total_tokens"].as_u64().unwrap(),
        usage["prompt_tokens"].as_u64().unwrap() + tokens.len() as u64
    );
}

#[tokio::test]
async fn raw_content_is_returned_with_certain_logprobs() {
    let server = FakeOpenAi::start().await;
    server.push(Reply::Content("not json at all {".into()));
    let completion = completion(&server, &chat_body("x", None, true)).await;
    assert_eq!(content(&completion), "not json at all {");
    assert!(logprob_tokens(&completion)
        .iter()
        .all(|token| token["logprob"] == 0.0));
}

#[tokio::test]
async fn without_logprobs_requested_none_are_returned() {
    let server = FakeOpenAi::start().await;
    let completion = completion(&server, &chat_body("x", None, false)).await;
    assert!(completion["choices"][0]["logprobs"].is_null());
}

#[tokio::test]
async fn scripted_replies_come_first_in_order_then_the_answerer() {
    let server = FakeOpenAi::start().await;
    server.push(Reply::Content("first".into()));
    server.push(Reply::Content("second".into()));
    server.set_answerer(|request: &ChatRequest| {
        Reply::Content(format!("answered {} for {}", request.index, request.user()))
    });
    let mut answers = Vec::new();
    for user in ["a", "b", "c"] {
        answers.push(content(&completion(&server, &chat_body(user, None, false)).await).to_owned());
    }
    assert_eq!(answers, ["first", "second", "answered 2 for c"]);
}

#[tokio::test]
async fn a_status_reply_is_an_openai_error_with_retry_after() {
    let server = FakeOpenAi::start().await;
    server.push(Reply::Status {
        code: 429,
        retry_after: Some(7),
    });
    server.push(Reply::Status {
        code: 500,
        retry_after: None,
    });
    let body = chat_body("x", None, false);

    let limited = post(&server, &body).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    let error: Value = limited.json().await.unwrap();
    assert_eq!(error["error"]["type"], "rate_limit_error");
    assert!(error["error"]["message"].is_string());
    assert!(error["error"]["param"].is_null());
    assert!(error["error"]["code"].is_null());

    let failed = post(&server, &body).await;
    assert_eq!(failed.status(), 500);
    assert!(failed.headers().get("retry-after").is_none());
    let error: Value = failed.json().await.unwrap();
    assert_eq!(error["error"]["type"], "server_error");
}

#[tokio::test]
async fn latency_delays_every_reply() {
    let options = Options {
        latency: Duration::from_millis(200),
        ..Options::default()
    };
    let server = FakeOpenAi::start_with(options).await;
    server.push(Reply::Status {
        code: 503,
        retry_after: None,
    });
    let body = chat_body("x", None, false);
    for expected_status in [503, 200] {
        let started = Instant::now();
        assert_eq!(post(&server, &body).await.status(), expected_status);
        assert!(started.elapsed() >= Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn latency_overlaps_across_hundreds_of_concurrent_requests() {
    let options = Options {
        latency: Duration::from_millis(200),
        ..Options::default()
    };
    let server = Arc::new(FakeOpenAi::start_with(options).await);
    let client = reqwest::Client::new();
    let started = Instant::now();
    let requests: Vec<_> = (0..256)
        .map(|number| {
            let (server, client) = (Arc::clone(&server), client.clone());
            tokio::spawn(async move {
                let body = chat_body(&format!("answer {number}"), None, false);
                post_with(&client, &server, &body).await.status()
            })
        })
        .collect();
    for request in requests {
        assert_eq!(request.await.unwrap(), 200);
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.request_count(), 256);
}

#[tokio::test]
async fn every_chat_request_is_recorded_in_order() {
    let server = FakeOpenAi::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_by_answerer = Arc::clone(&seen);
    server.set_answerer(move |request: &ChatRequest| {
        seen_by_answerer.lock().unwrap().push(request.index);
        Reply::Content(String::new())
    });
    let bodies = [chat_body("one", None, false), chat_body("two", None, true)];
    for body in &bodies {
        completion(&server, body).await;
    }
    assert_eq!(server.request_count(), 2);
    assert_eq!(server.requests(), bodies);
    assert_eq!(*seen.lock().unwrap(), [0, 1]);
}

#[tokio::test]
async fn the_default_answerer_judges_every_schema_criterion() {
    let server = FakeOpenAi::start().await;
    let schema = judgment_schema(&[("relevance", PASS_FAIL), ("validity", &["yes", "no"])]);
    let body = chat_body("Paris is the capital of France.", Some(schema), true);
    let first = completion(&server, &body).await;
    let judgment: Value = serde_json::from_str(content(&first)).unwrap();
    let criteria = judgment["criteria"].as_object().unwrap();
    assert_eq!(criteria.len(), 2);
    assert!(["pass", "fail"].contains(&criteria["relevance"]["label"].as_str().unwrap()));
    assert!(["yes", "no"].contains(&criteria["validity"]["label"].as_str().unwrap()));
    let again = completion(&server, &body).await;
    assert_eq!(content(&first), content(&again));
    assert_eq!(logprob_tokens(&first), logprob_tokens(&again));
}

#[tokio::test]
async fn without_a_schema_the_judgment_is_fenced_in_prose() {
    let server = FakeOpenAi::start().await;
    server.push(Reply::judgment(&[("relevance", "pass", 0.9)]));
    let scripted = completion(&server, &chat_body("x", None, false)).await;
    let text = content(&scripted);
    let fenced = text
        .split_once("```json\n")
        .and_then(|(prose, rest)| (!prose.is_empty()).then_some(rest))
        .and_then(|rest| rest.split_once("\n```"))
        .map(|(json_text, _)| json_text)
        .unwrap();
    let judgment: Value = serde_json::from_str(fenced).unwrap();
    assert_eq!(judgment["criteria"]["relevance"]["label"], "pass");

    let answered = completion(&server, &chat_body("x", None, false)).await;
    assert!(content(&answered).contains("```json\n{\"criteria\":{}}\n```"));
}

#[tokio::test]
async fn a_hang_outlasts_the_client_timeout_and_ends_with_the_server() {
    let server = FakeOpenAi::start().await;
    server.push(Reply::Hang);
    server.push(Reply::Hang);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let url = format!("{}/chat/completions", server.base_url());
    let body = chat_body("x", None, false);
    let timed_out = client.post(&url).json(&body).send().await.unwrap_err();
    assert!(timed_out.is_timeout());

    let patient = reqwest::Client::new().post(&url).json(&body).send();
    let waiting = tokio::spawn(patient);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished());
    drop(server);
    let released = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the hung request outlived the server");
    assert_eq!(released.unwrap().unwrap().status(), 503);
}

#[tokio::test]
async fn models_are_listed_and_unknown_routes_are_openai_errors() {
    let server = FakeOpenAi::start().await;
    let client = reqwest::Client::new();
    let models: Value = client
        .get(format!("{}/models", server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["object"], "list");
    assert_eq!(models["data"][0]["object"], "model");

    let missing = client
        .get(format!("{}/nowhere", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let error: Value = missing.json().await.unwrap();
    assert_eq!(error["error"]["type"], "invalid_request_error");

    let malformed = client
        .post(format!("{}/chat/completions", server.base_url()))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_dropped_server_answers_nothing_more_even_on_kept_alive_connections() {
    let server = FakeOpenAi::start().await;
    let client = reqwest::Client::new();
    let body = chat_body("x", None, false);
    assert_eq!(post_with(&client, &server, &body).await.status(), 200);
    let url = format!("{}/chat/completions", server.base_url());
    drop(server);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(client.post(&url).json(&body).send().await.is_err());
}
