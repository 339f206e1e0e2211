//! The LLM judge: a worker that pre-scores queued items against their task's criteria through any
//! OpenAI-compatible endpoint, measures its confidence, and routes each item to humans or to a
//! final judge verdict.
//!
//! - [`prompt`]: askama templates (or a task's overrides) and the prompt version
//! - [`answer`]: the response JSON Schema and reading answers (strict JSON or JSON in text)
//! - [`confidence`]: label probabilities from logprobs, self-consistency majorities
//! - [`client`], [`http`], [`rate_limit`]: async-openai over a retrying, rate-limited transport
//! - [`retry`]: the whole retry schedule (HTTP retries, item back-off, attempt limits,
//!   unreadable-answer retries)
//! - [`assess`]: one item's calls per judge mode and confidence method, aggregated
//! - [`judgment`]: an assessment as a judgment row, and its judge configuration (the queue's
//!   statements — leases, recording, back-off, failure — are `app::db::queue::judge`)
//! - [`worker`]: the claiming loop with its heartbeat and graceful shutdown
//! - [`rerun`]: re-queueing items for a new judge configuration
//! - [`evaluate`]: trying a candidate configuration on the reviewed audit and golden items

pub mod answer;
pub mod assess;
pub mod client;
pub mod confidence;
pub mod evaluate;
pub mod http;
pub mod instruments;
pub mod judgment;
pub mod prompt;
pub mod rate_limit;
pub mod rerun;
pub mod retry;
pub mod settings;
pub mod worker;

pub use settings::{JudgeArgs, WorkerSettings};
