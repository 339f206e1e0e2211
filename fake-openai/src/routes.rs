//! The HTTP routes: `POST /v1/chat/completions`, `GET /v1/models`, and OpenAI-style 404s for
//! everything else.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use crate::judgment::judgment_segments;
use crate::reply::Reply;
use crate::state::ServerState;
use crate::tokens::Segment;
use crate::wire::{chat_completion, error_body, model_list};

/// How long a [`Reply::Hang`] keeps its connection open at most.
const HANG_DURATION: Duration = Duration::from_secs(600);

pub(crate) fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/models", get(list_models))
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

async fn chat_completions(State(state): State<Arc<ServerState>>, body: Bytes) -> Response {
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(error) => {
            let message = format!("fake-openai: the request body is not JSON: {error}");
            return error_response(StatusCode::BAD_REQUEST, &message, None);
        }
    };
    let (request, reply) = state.receive(body);
    let delay = match reply {
        Reply::Hang => HANG_DURATION,
        _ => state.latency(),
    };
    if !state.wait(delay).await {
        let message = "fake-openai: the server is shutting down";
        return error_response(StatusCode::SERVICE_UNAVAILABLE, message, None);
    }
    match reply {
        Reply::Judgment(labels) => {
            let segments = judgment_segments(&labels, &request);
            Json(chat_completion(&request, &segments)).into_response()
        }
        Reply::Content(text) => {
            Json(chat_completion(&request, &[Segment::Certain(text)])).into_response()
        }
        Reply::Status { code, retry_after } => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = format!("fake-openai: scripted HTTP status {status}");
            error_response(status, &message, retry_after)
        }
        Reply::Hang => {
            let message = "fake-openai: a hung request was released";
            error_response(StatusCode::GATEWAY_TIMEOUT, message, None)
        }
    }
}

async fn list_models() -> Json<Value> {
    Json(model_list())
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "fake-openai: no such route", None)
}

fn error_response(status: StatusCode, message: &str, retry_after: Option<u64>) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(seconds) = retry_after {
        headers.insert(RETRY_AFTER, seconds.into());
    }
    (status, headers, Json(error_body(status, message))).into_response()
}
