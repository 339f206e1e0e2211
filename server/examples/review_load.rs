//! The review benchmark's HTTP load generator (`bench/claim_bench.py`): signed-in annotators
//! claiming (`POST /api/review/next`) and submitting (`POST /api/review/answer`) over keep-alive
//! connections, as the review page does, recording each request's client-side latency and the
//! server's own figure (its `Server-Timing` header).
//!
//! It is compiled, like pgbench, so the driver's own CPU (it shares the machine with the server
//! and Postgres) stays small next to what it measures; the Python script plans the runs and
//! reports. One thread drives every connection.
//!
//! Reads a JSON plan on stdin, writes JSON results on stdout, progress on stderr:
//!
//! ```text
//! plan:    {"port", "start_at" (unix s), "end_at" (unix s or null), "cycles" (or null),
//!           "period" (s between one annotator's claims, or null: flat out), "claim_only",
//!           "claims_per_person", "labels", "annotators": [{"cookie", "offset" (s), "people"}]}
//! results: {"claim_ms", "submit_ms", "claim_server_ms", "submit_server_ms", "errors", "dry",
//!           "late", "last" (unix s), "people_left"}
//! ```
//!
//! Usage: cargo run --release --example review_load < plan.json > results.json

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderValue, ACCEPT, CONTENT_TYPE, COOKIE, HOST, ORIGIN};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Give up on an annotator after this many failed requests.
const MAX_ERRORS: usize = 20;

#[derive(Deserialize)]
struct Plan {
    port: u16,
    start_at: f64,
    end_at: Option<f64>,
    cycles: Option<u64>,
    period: Option<f64>,
    claim_only: bool,
    claims_per_person: usize,
    labels: Value,
    annotators: Vec<AnnotatorPlan>,
}

#[derive(Deserialize)]
struct AnnotatorPlan {
    /// The connection's own signed-in annotator (claim → submit loops).
    cookie: String,
    /// Seconds after the start at which this annotator's first cycle begins (human pace).
    offset: f64,
    /// The people a claim-only connection goes through, `claims_per_person` claims each.
    #[serde(default)]
    people: Vec<String>,
}

#[derive(Default, Serialize)]
struct Results {
    claim_ms: Vec<f64>,
    submit_ms: Vec<f64>,
    claim_server_ms: Vec<f64>,
    submit_server_ms: Vec<f64>,
    errors: Vec<String>,
    dry: bool,
    late: u64,
    last: f64,
    people_left: usize,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs_f64()
}

async fn sleep_until(unix_seconds: f64) {
    let wait = unix_seconds - now();
    if wait > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
    }
}

/// One keep-alive HTTP/1.1 connection to the app.
struct Connection {
    port: u16,
    origin: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
}

/// A response's body with the client's and the server's milliseconds.
struct Timed {
    body: Bytes,
    client_ms: f64,
    server_ms: f64,
}

impl Connection {
    fn new(port: u16) -> Self {
        let origin = HeaderValue::from_str(&format!("http://127.0.0.1:{port}"))
            .expect("an origin is a valid header");
        Connection {
            port,
            origin,
            sender: None,
        }
    }

    async fn connect(&mut self) -> Result<(), String> {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .map_err(|error| format!("could not connect: {error}"))?;
        stream
            .set_nodelay(true)
            .map_err(|error| error.to_string())?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| format!("handshake: {error}"))?;
        tokio::task::spawn_local(connection);
        self.sender = Some(sender);
        Ok(())
    }

    /// POSTs `body`; a failed connection is dropped, to be opened again by the next request.
    async fn post(
        &mut self,
        path: &str,
        cookie: &str,
        content_type: &'static str,
        body: String,
    ) -> Result<Timed, String> {
        if self.sender.is_none() {
            self.connect().await?;
        }
        let request = Request::post(path)
            .header(HOST, "127.0.0.1")
            .header(ORIGIN, self.origin.clone())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, content_type)
            .header(COOKIE, cookie)
            .body(Full::new(Bytes::from(body)))
            .map_err(|error| error.to_string())?;
        let sender = self.sender.as_mut().expect("connected above");
        let start = Instant::now();
        let outcome = async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok::<_, hyper::Error>((parts, body))
        }
        .await;
        let client_ms = start.elapsed().as_secs_f64() * 1000.0;
        let (parts, body) = outcome.map_err(|error| {
            self.sender = None;
            format!("{path}: {error}")
        })?;
        if parts.status != 200 {
            let shown = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            return Err(format!("{path}: {} {shown}", parts.status));
        }
        let server_ms = parts
            .headers
            .get("server-timing")
            .and_then(|value| value.to_str().ok())
            .and_then(server_duration)
            .ok_or_else(|| format!("{path}: no Server-Timing header"))?;
        Ok(Timed {
            body,
            client_ms,
            server_ms,
        })
    }
}

/// The `dur` of the `app` metric in a `Server-Timing` header.
fn server_duration(header: &str) -> Option<f64> {
    header
        .split(',')
        .find(|metric| metric.trim_start().starts_with("app"))?
        .split(';')
        .find_map(|part| part.trim().strip_prefix("dur="))?
        .parse()
        .ok()
}

/// Claims the next item for `cookie`'s person; its slot id and timing, or `None` when the queue
/// is empty.
async fn claim(
    connection: &mut Connection,
    cookie: &str,
    holding: &[i64],
) -> Result<Option<(i64, Timed)>, String> {
    let holding: Vec<String> = holding.iter().map(i64::to_string).collect();
    let body = format!("task=tag&purpose=annotate&holding={}", holding.join("%2C"));
    let timed = connection
        .post(
            "/api/review/next",
            cookie,
            "application/x-www-form-urlencoded",
            body,
        )
        .await?;
    let card: Value =
        serde_json::from_slice(&timed.body).map_err(|error| format!("claim: not JSON: {error}"))?;
    if card.is_null() {
        return Ok(None);
    }
    let slot = card["slot_id"]
        .as_i64()
        .ok_or_else(|| "claim: the card has no slot_id".to_string())?;
    Ok(Some((slot, timed)))
}

/// Answers `slot` with `labels` under a fresh client id; its timing.
async fn submit(
    connection: &mut Connection,
    cookie: &str,
    slot: i64,
    labels: &Value,
) -> Result<Timed, String> {
    let body = serde_json::json!({"purpose": "annotate", "answer": {
        "client_id": uuid::Uuid::new_v4().to_string(), "slot_id": slot, "labels": labels,
        "rationale": null, "skip_reason": null, "flagged": false}});
    let timed = connection
        .post(
            "/api/review/answer",
            cookie,
            "application/json",
            body.to_string(),
        )
        .await?;
    if !timed.body.windows(9).any(|window| window == b"\"counted\"") {
        let shown = String::from_utf8_lossy(&timed.body[..timed.body.len().min(300)]).into_owned();
        return Err(format!("submit of slot {slot}: {shown}"));
    }
    Ok(timed)
}

impl Results {
    fn claimed(&mut self, timed: &Timed) {
        self.claim_ms.push(timed.client_ms);
        self.claim_server_ms.push(timed.server_ms);
    }

    fn submitted(&mut self, timed: &Timed) {
        self.submit_ms.push(timed.client_ms);
        self.submit_server_ms.push(timed.server_ms);
    }
}

/// Goes through `people`, `claims_per_person` claims each (the page names the slots it already
/// holds, so each claim leases a new one), until the end time. Returns the people not reached.
async fn claim_only(
    plan: &Plan,
    mut people: Vec<String>,
    results: &RefCell<Results>,
    done: &RefCell<u64>,
) -> usize {
    let mut connection = Connection::new(plan.port);
    let end_at = plan.end_at.unwrap_or(f64::INFINITY);
    let mut errors = 0;
    sleep_until(plan.start_at).await;
    while now() < end_at && errors <= MAX_ERRORS {
        let Some(cookie) = people.pop() else { break };
        let mut holding = Vec::new();
        while holding.len() < plan.claims_per_person && now() < end_at {
            match claim(&mut connection, &cookie, &holding).await {
                Ok(Some((slot, timed))) => {
                    results.borrow_mut().claimed(&timed);
                    holding.push(slot);
                }
                Ok(None) => {
                    results.borrow_mut().dry = true;
                    errors = MAX_ERRORS + 1;
                    break;
                }
                Err(error) => {
                    errors += 1;
                    record_error(results, error);
                    break;
                }
            }
            let mut results = results.borrow_mut();
            results.last = results.last.max(now());
            *done.borrow_mut() += 1;
        }
    }
    people.len()
}

/// Claim → submit cycles: flat out, for `cycles` or until the end time, or one every `period`
/// seconds from `offset` (human pace), counting cycles that started late.
async fn annotate(
    plan: &Plan,
    cookie: &str,
    offset: f64,
    results: &RefCell<Results>,
    done: &RefCell<u64>,
) {
    let mut connection = Connection::new(plan.port);
    let end_at = plan.end_at.unwrap_or(f64::INFINITY);
    let (mut cycles, mut errors) = (0u64, 0usize);
    sleep_until(plan.start_at + offset).await;
    loop {
        if plan.cycles.is_some_and(|limit| cycles >= limit) {
            break;
        }
        if let Some(period) = plan.period {
            let tick = plan.start_at + offset + cycles as f64 * period;
            if tick >= end_at {
                break;
            }
            if now() - tick > 0.05 {
                results.borrow_mut().late += 1;
            }
            sleep_until(tick).await;
        } else if now() >= end_at {
            break;
        }
        let outcome = async {
            let Some((slot, timed)) = claim(&mut connection, cookie, &[]).await? else {
                return Ok(false);
            };
            results.borrow_mut().claimed(&timed);
            let timed = submit(&mut connection, cookie, slot, &plan.labels).await?;
            results.borrow_mut().submitted(&timed);
            Ok::<_, String>(true)
        }
        .await;
        match outcome {
            Ok(true) => {}
            Ok(false) => {
                results.borrow_mut().dry = true;
                break;
            }
            Err(error) => {
                errors += 1;
                record_error(results, error);
                if errors > MAX_ERRORS {
                    break;
                }
            }
        }
        cycles += 1;
        let mut results = results.borrow_mut();
        results.last = results.last.max(now());
        *done.borrow_mut() += 1;
    }
}

fn record_error(results: &RefCell<Results>, error: String) {
    let mut results = results.borrow_mut();
    if results.errors.len() < 60 {
        results.errors.push(error);
    }
}

/// Prints the cycles done so far every 30 seconds, on stderr.
async fn report_progress(start_at: f64, done: Rc<RefCell<u64>>) {
    loop {
        tokio::time::sleep(Duration::from_secs(30)).await;
        let elapsed = (now() - start_at).max(1e-3);
        let count = *done.borrow();
        eprintln!(
            "  … {count} done in {elapsed:.0} s ({:.0}/s)",
            count as f64 / elapsed
        );
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let plan: Plan = serde_json::from_reader(std::io::stdin().lock())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    let results = local.block_on(&runtime, async move {
        let plan = Rc::new(plan);
        let results = Rc::new(RefCell::new(Results {
            last: plan.start_at,
            people_left: usize::MAX,
            ..Results::default()
        }));
        let done = Rc::new(RefCell::new(0u64));
        let progress = tokio::task::spawn_local(report_progress(plan.start_at, done.clone()));
        let mut tasks = Vec::new();
        for annotator in &plan.annotators {
            let (plan, results, done) = (plan.clone(), results.clone(), done.clone());
            let (cookie, offset, people) = (
                annotator.cookie.clone(),
                annotator.offset,
                annotator.people.clone(),
            );
            tasks.push(tokio::task::spawn_local(async move {
                if plan.claim_only {
                    let left = claim_only(&plan, people, &results, &done).await;
                    let mut results = results.borrow_mut();
                    results.people_left = results.people_left.min(left);
                } else {
                    annotate(&plan, &cookie, offset, &results, &done).await;
                }
            }));
        }
        for task in tasks {
            task.await.expect("an annotator task does not panic");
        }
        progress.abort();
        Rc::try_unwrap(results)
            .map_err(|_| "results still shared")
            .map(RefCell::into_inner)
    })?;
    let mut results = results;
    if results.people_left == usize::MAX {
        results.people_left = 0;
    }
    serde_json::to_writer(std::io::stdout().lock(), &results)?;
    Ok(())
}
