//! A fake OpenAI-compatible chat-completions server for cojudge's integration tests and
//! benchmarks.
//!
//! [`FakeOpenAi`] serves `POST /v1/chat/completions` and `GET /v1/models` on 127.0.0.1 in the
//! exact wire format of OpenAI (and so of the `async-openai` client). Each chat request is
//! recorded and answered by the next scripted [`Reply`], else by the answerer
//! ([`default_answer`] unless replaced): judgments with token logprobs, raw content, HTTP errors
//! or a hang, optionally after a fixed latency.

mod answerer;
mod judgment;
mod reply;
mod request;
mod routes;
mod server;
mod state;
mod tls;
mod tokens;
mod wire;

pub use answerer::default_answer;
pub use reply::Reply;
pub use request::ChatRequest;
pub use server::{Answerer, FakeOpenAi, Options};
