//! The judge worker: claims queued items, judges up to `concurrency` of them at once, records
//! each judgment with its routing decision, and keeps its leases alive with a heartbeat. An item
//! whose call failed is put back with a back-off or given up on, as its [`RetrySchedule`] says.
//!
//! Any number of workers may run against one database. A worker sleeps on `LISTEN cojudge_items`
//! (imports notify) with a short poll as a fallback for lapsed leases and back-offs. On shutdown
//! it stops claiming, lets in-flight calls finish for the grace period, then hands the rest back.

use super::assess::{AssessError, Assessor};
use super::judgment::{config_key, Outcome};
use super::retry::{Next, RetrySchedule};
use super::settings::WorkerSettings;
use app::db::judgments::{self, Provenance};
use app::db::queue::judge::{self as queue, ClaimedItem};
use app::domain::routing::{audit_draw, route, JudgeOutcome};
use app::domain::TaskDefinition;
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::PgPool;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;
use uuid::Uuid;

/// How often an idle worker looks for lapsed leases and ended back-offs.
const IDLE_POLL: Duration = Duration::from_secs(2);
/// Most items claimed in one statement.
const CLAIM_BATCH: i64 = 64;

/// What a worker did before it stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerReport {
    pub judged: u64,
    pub sent_to_humans_unjudged: u64,
    pub retried_later: u64,
    pub failed: u64,
    pub handed_back: u64,
}

/// A task's definition at one rubric version, with the judge configuration it is judged under.
struct TaskJudge {
    definition: TaskDefinition,
    provenance: Provenance,
    model: String,
}

struct Context {
    /// For recording judgments (one statement per item).
    pool: PgPool,
    /// The claim loop's own connections (claims, heartbeats, routing without a judge), so it
    /// never waits behind recordings for a connection.
    loop_pool: PgPool,
    settings: WorkerSettings,
    /// When a failed item is tried again and when it is given up on.
    schedule: RetrySchedule,
    worker: Uuid,
    assessor: Option<Assessor>,
    /// At most `concurrency` judge calls at once; closed at shutdown so waiting tasks give up.
    call_slots: Semaphore,
    tasks: Mutex<HashMap<(i64, i32), Arc<TaskJudge>>>,
}

/// Runs a worker until `shutdown` resolves.
pub async fn run(
    pool: PgPool,
    settings: WorkerSettings,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<WorkerReport> {
    let worker = Uuid::new_v4();
    crate::observability::install();
    let assessor = Assessor::connect(&settings)?;
    match &assessor {
        Some(_) => {
            tracing::info!(%worker, model = %settings.default_model, concurrency = settings.concurrency, "judge worker started")
        }
        None => {
            tracing::warn!("no judge endpoint is configured (set OPENAI_BASE_URL): every item goes straight to humans with reason no_judge")
        }
    }
    let loop_pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_lazy_with(pool.connect_options().as_ref().clone());
    let context = Arc::new(Context {
        pool: pool.clone(),
        loop_pool,
        call_slots: Semaphore::new(settings.concurrency),
        schedule: RetrySchedule::from(&settings),
        settings,
        worker,
        assessor,
        tasks: Mutex::new(HashMap::new()),
    });
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen("cojudge_items").await?;
    let report = work(&context, &mut listener, shutdown).await;
    let handed_back = queue::release(&pool, worker).await?;
    context.loop_pool.close().await;
    let mut report = report?;
    report.handed_back = handed_back;
    tracing::info!(?report, "judge worker stopped");
    Ok(report)
}

/// Resolves once no item is waiting, leased or backing off (polling every half second).
pub async fn queue_empty(pool: PgPool) {
    loop {
        match queue::pending(&pool).await {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not count the waiting items"),
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// How one item ended.
enum Ended {
    Judged,
    /// Shutdown came before its call started; the item is handed back.
    NotStarted,
    RetryLater,
    Failed,
}

async fn work(
    context: &Arc<Context>,
    listener: &mut PgListener,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<WorkerReport> {
    let mut report = WorkerReport::default();
    let mut in_flight: JoinSet<anyhow::Result<Ended>> = JoinSet::new();
    // The item each task judges. The heartbeat renews only these and the buffered ones, so an
    // item whose task failed (e.g. its database write) has its lease lapse and is judged again.
    let mut held: HashMap<tokio::task::Id, i64> = HashMap::new();
    let mut heartbeat = tokio::time::interval(context.settings.lease / 3);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    let concurrency = context.settings.concurrency;
    // Claimed items waiting for a free slot, so a finished call is replaced at once. The buffer
    // is refilled when half empty, so claims come in batches, not one per finished call.
    let prefetch = (concurrency / 4).clamp(1, CLAIM_BATCH as usize);
    let refill_below = prefetch.div_ceil(2);
    // Tasks beyond `concurrency` wait for a call slot while others record their judgments, so
    // the endpoint always has `concurrency` calls in flight.
    let recording_headroom = concurrency.div_ceil(4);
    let mut ready: VecDeque<ClaimedItem> = VecDeque::new();
    let mut stopping = false;
    loop {
        if !stopping && context.assessor.is_none() {
            let routed = survive(
                queue::route_unjudged(&context.loop_pool, 1000).await,
                "routing items without a judge",
            )
            .await;
            report.sent_to_humans_unjudged += routed;
            if routed > 0 {
                continue;
            }
        }
        while in_flight.len() < concurrency + recording_headroom && !stopping {
            let Some(item) = ready.pop_front() else { break };
            let context = context.clone();
            let item_id = item.id;
            let task = in_flight.spawn(async move { judge_item(&context, item).await });
            held.insert(task.id(), item_id);
        }
        if !stopping && context.assessor.is_some() && ready.len() < refill_below {
            let wanted = (concurrency + recording_headroom + prefetch)
                .saturating_sub(in_flight.len() + ready.len());
            let claimed = queue::claim(
                &context.loop_pool,
                context.worker,
                (wanted as i64).min(CLAIM_BATCH),
                context.settings.lease,
            )
            .await;
            let items = survive(claimed, "claiming items").await;
            if !items.is_empty() {
                ready.extend(items);
                continue;
            }
        }
        if stopping && in_flight.is_empty() {
            return Ok(report);
        }
        tokio::select! {
            _ = &mut shutdown, if !stopping => {
                stopping = true;
                context.call_slots.close();
                tracing::info!(in_flight = in_flight.len(), "judge worker stopping: no new claims");
                let deadline = tokio::time::sleep(context.settings.grace);
                tokio::pin!(deadline);
                while !in_flight.is_empty() {
                    tokio::select! {
                        Some(done) = in_flight.join_next_with_id() => count(&mut report, &mut held, done),
                        _ = &mut deadline => {
                            tracing::warn!(in_flight = in_flight.len(), "grace period over: handing unfinished items back");
                            in_flight.abort_all();
                            while in_flight.join_next().await.is_some() {}
                        }
                    }
                }
            }
            Some(done) = in_flight.join_next_with_id() => count(&mut report, &mut held, done),
            notification = listener.recv(), if !stopping => {
                if let Err(error) = notification {
                    tracing::warn!(%error, "lost the notification connection; polling until it is back");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
            _ = heartbeat.tick() => {
                let items: Vec<i64> = held.values().copied().chain(ready.iter().map(|item| item.id)).collect();
                let renewed = queue::renew(&context.loop_pool, context.worker, &items, context.settings.lease).await;
                survive(renewed, "renewing leases").await;
            }
            _ = tokio::time::sleep(IDLE_POLL), if !stopping => {}
        }
    }
}

/// The value of a queue statement, or (when the database is unreachable for a moment) a logged
/// warning, a pause and the empty value: the worker keeps going and tries again.
async fn survive<T: Default>(result: Result<T, sqlx::Error>, doing: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => {
            tracing::warn!(%error, "{doing} failed; trying again shortly");
            tokio::time::sleep(IDLE_POLL).await;
            T::default()
        }
    }
}

fn count(
    report: &mut WorkerReport,
    held: &mut HashMap<tokio::task::Id, i64>,
    done: Result<(tokio::task::Id, anyhow::Result<Ended>), tokio::task::JoinError>,
) {
    let task = match &done {
        Ok((task, _)) => *task,
        Err(error) => error.id(),
    };
    let item = held.remove(&task);
    match done {
        Ok((_, Ok(Ended::Judged))) => report.judged += 1,
        Ok((_, Ok(Ended::RetryLater))) => report.retried_later += 1,
        Ok((_, Ok(Ended::Failed))) => report.failed += 1,
        Ok((_, Ok(Ended::NotStarted))) => {}
        Ok((_, Err(error))) => {
            tracing::error!(?item, error = %error, "recording a judgment failed; the item's lease will lapse and it will be judged again")
        }
        Err(error) if error.is_cancelled() => {}
        Err(error) => {
            tracing::error!(?item, %error, "a judge task panicked; the item's lease will lapse")
        }
    }
}

async fn judge_item(context: &Context, item: ClaimedItem) -> anyhow::Result<Ended> {
    let assessor = context
        .assessor
        .as_ref()
        .expect("items are claimed only with a judge");
    if let Some(why) = context.schedule.after_abandonments(item.abandoned) {
        queue::fail(&context.pool, item.id, context.worker, &why.to_string()).await?;
        return Ok(Ended::Failed);
    }
    let task = task_judge(context, &item).await?;
    let assessor = Assessor {
        model: task.model.clone(),
        ..assessor.clone()
    };
    let Ok(slot) = context.call_slots.acquire().await else {
        return Ok(Ended::NotStarted);
    };
    let started = Instant::now();
    let result = assessor
        .assess(&task.definition, &item.context, &item.output)
        .await;
    drop(slot);
    super::instruments::observe(task.definition.name.as_str(), &result, started.elapsed());
    let draw = audit_draw(task.definition.name.as_str(), &item.external_id);
    let (outcome, judge_outcome) = match &result {
        Ok(assessment) => (
            Outcome::Judged(assessment),
            JudgeOutcome::Judged {
                overall: assessment.overall_confidence,
                criteria: task
                    .definition
                    .criteria
                    .iter()
                    .map(|c| assessment.criteria.get(&c.name).and_then(|j| j.confidence))
                    .collect(),
            },
        ),
        Err(AssessError::Unreadable { message, usage }) => {
            tracing::warn!(item = item.id, error = %message, "the judge's answers could not be read; routing to humans");
            (
                Outcome::Unreadable {
                    message,
                    usage: *usage,
                },
                JudgeOutcome::Failed,
            )
        }
        Err(AssessError::Endpoint(error)) => {
            let message = error.to_string();
            let next = context.schedule.after_endpoint_failure(
                item.attempts,
                error.retry_after(),
                &mut rand::thread_rng(),
            );
            return match next {
                // The endpoint's own error is recorded: it says more than "attempts exhausted".
                Next::GiveUp(_) => {
                    tracing::warn!(item = item.id, error = %message, "judging failed for good");
                    queue::fail(&context.pool, item.id, context.worker, &message).await?;
                    Ok(Ended::Failed)
                }
                Next::RetryLater(delay) => {
                    tracing::info!(item = item.id, error = %message, ?delay, "judging failed; trying again later");
                    queue::retry_later(&context.pool, item.id, context.worker, &message, delay)
                        .await?;
                    Ok(Ended::RetryLater)
                }
            };
        }
    };
    let routing = route(&judge_outcome, item.golden, draw, &task.definition.routing);
    let judgment = outcome.row(started.elapsed());
    queue::record(&context.pool, &item, &task.provenance, &judgment, &routing).await?;
    Ok(Ended::Judged)
}

/// The item's task at the claimed rubric version, loaded and its judge configuration registered
/// once per worker.
async fn task_judge(context: &Context, item: &ClaimedItem) -> anyhow::Result<Arc<TaskJudge>> {
    let key = (item.task_id, item.rubric_version);
    let mut tasks = context.tasks.lock().await;
    if let Some(task) = tasks.get(&key) {
        return Ok(task.clone());
    }
    let definition =
        app::db::tasks::definition_of(&context.pool, item.task_id, item.rubric_version).await?;
    let model = definition
        .judge
        .model
        .clone()
        .unwrap_or_else(|| context.settings.default_model.clone());
    let config = config_key(item.task_id, &definition, item.rubric_version, &model);
    let settings = serde_json::json!({
        "samples": definition.judge.samples,
        "output_retries": context.schedule.output_retries,
        "endpoint_retries": context.schedule.http.max_retries,
    });
    let judge_config_id = judgments::judge_config(&context.pool, &config, &settings).await?;
    let task = Arc::new(TaskJudge {
        provenance: Provenance {
            judge_config_id,
            rubric_version: item.rubric_version,
            prices: context.settings.prices,
        },
        model,
        definition,
    });
    tasks.insert(key, task.clone());
    Ok(task)
}
