//! The process's metrics recorder, installed once (the `metrics` facade allows one per process;
//! tests and the embedded worker share it).

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Histogram buckets for durations, in seconds: 1 ms to 60 s.
const SECONDS_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0,
];

/// Installs the recorder if this process has none yet, and describes the metrics.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
            .expect("the buckets are not empty");
        let handle = match builder.install_recorder() {
            Ok(handle) => handle,
            // Another recorder is installed (not ours): render an empty registry rather than fail.
            Err(error) => {
                tracing::warn!(%error, "could not install the metrics recorder");
                PrometheusBuilder::new().build_recorder().handle()
            }
        };
        describe();
        handle
    })
}

/// The metrics in Prometheus' text format.
pub fn render() -> String {
    install().render()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "cojudge_http_requests_total",
        "HTTP requests answered, by route pattern and status."
    );
    describe_histogram!(
        "cojudge_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request (to the response head), by route pattern."
    );
    describe_gauge!(
        "cojudge_queue_items",
        "Items of a task waiting in each state, counted at scrape time."
    );
    describe_counter!(
        "cojudge_judge_calls_total",
        "Items the judge worker assessed, by outcome: judged, unreadable (sent to humans) or endpoint_error (tried again later)."
    );
    describe_histogram!(
        "cojudge_judge_call_duration_seconds",
        Unit::Seconds,
        "Time to assess one item, retries and every criterion's call included."
    );
    describe_counter!(
        "cojudge_judge_tokens_total",
        "Tokens the judge spent, by kind (prompt or completion)."
    );
}
