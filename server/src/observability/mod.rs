//! Prometheus metrics. Every process records into one in-process registry (the `metrics`
//! facade with the Prometheus exporter's recorder); `GET /metrics` renders it. Web processes
//! serve it on their own port, `cojudge worker` on `--metrics-addr` when given.
//!
//! - `cojudge_http_requests_total{method, route, status}` and
//!   `cojudge_http_request_duration_seconds{method, route}`: every request, by route pattern
//!   (`/tasks/{task}/review`, not the task's name), so the label set stays small;
//! - `cojudge_queue_items{task, state}`: items waiting per state, counted when scraped;
//! - `cojudge_judge_calls_total{task, outcome}`, `cojudge_judge_call_duration_seconds{task}` and
//!   `cojudge_judge_tokens_total{task, kind}`: the judge worker's calls (see `judge::worker`).

pub mod health;
pub mod http;
pub mod recorder;
pub mod scrape;

pub use recorder::{install, render};
