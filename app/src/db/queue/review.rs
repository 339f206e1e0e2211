//! The human review queue: claiming an open slot under a lease, renewing and releasing it, and
//! submitting an answer (`db::review_submit`, its finish), which fills the slot and, once an item has all its answers, writes the
//! final verdict (`human`) or sends the item to adjudication; an adjudicator's answer is final
//! (`adjudicated`).
//!
//! Guarantees come from the database: a slot is claimed with `FOR UPDATE SKIP LOCKED`, so two
//! people never get the same slot; unique indexes keep one person to one slot and one counted
//! answer per item; a submission carries a client-generated id, so a retried one is recognised.
//! A late answer (after the lease lapsed) counts if nobody else took the slot; otherwise it is
//! kept, uncounted, and the submitter is told. Only someone the slot was handed to may answer
//! it: its holder, or one of its earlier `holders` (added when their hold ended: a release, a
//! skip, or a lapse another claim took over; a claim of a free slot writes nothing more).

use crate::db::users::SESSION_ACCOUNT;
use crate::domain::ReviewPurpose;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{PgPool, Postgres};
use std::time::Duration;

/// The `task` CTE the claim statement reads the task's id from: `$2` is the task's name, so the
/// page's claim needs no separate lookup. It is empty when `me` is, so nothing is claimed for
/// nobody.
const TASK_CTE: &str = "task AS (SELECT id FROM tasks
                          WHERE name = $2::text AND archived_at IS NULL AND EXISTS (SELECT 1 FROM me))";

/// Who claims or answers: a known person (internal callers), or whoever is signed in with
/// session `id` if their account is active and has one of `roles`. The page's claims and answers
/// check the session inside their own first statement, which saves a round trip.
#[derive(Debug, Clone, Copy)]
pub enum Claimant<'a> {
    User(i64),
    Session {
        id: &'a str,
        roles: &'a [&'static str],
    },
}

impl Claimant<'_> {
    /// The `me` CTE: the claimant's user id, or no row. Parameter `$id` is the user id or the
    /// session id; for a session, `$roles` holds the roles allowed.
    pub(crate) fn me_cte(self, id: u8, roles: u8) -> String {
        match self {
            Claimant::User(_) => format!("me AS (SELECT ${id}::bigint AS id)"),
            Claimant::Session { .. } => format!(
                "me AS (SELECT u.id FROM {SESSION_ACCOUNT}
                          AND s.id = ${id}::text AND u.role = ANY(${roles}::text[]))"
            ),
        }
    }

    /// Binds the claimant's id and, for a session, the roles allowed, as the next parameters
    /// (for a statement whose `me` CTE numbers the roles right after the id).
    pub(crate) fn bind<'q>(
        self,
        query: Query<'q, Postgres, PgArguments>,
    ) -> Query<'q, Postgres, PgArguments>
    where
        Self: 'q,
    {
        match self {
            Claimant::User(id) => query.bind(id),
            Claimant::Session { id, roles } => query.bind(id).bind(roles),
        }
    }
}

/// The CTEs of a claim, after the `me` and `task` CTEs: renew a slot the person (`me`) holds on
/// the task for `$3` (purpose) that is not in `$5` (the slots the page already shows or is
/// saving, so it can prefetch the next one), or else lease the next open one for `$4` seconds.
/// The slot taken is in `slot`.
///
/// The statement commits without waiting for the WAL flush (`set_config(…, true)` lasts for
/// its own implicit transaction): a lease lost in a database crash only makes its slot
/// claimable again, and a late answer to it is kept, uncounted if someone else took the slot.
/// Answers themselves are always committed durably.
const CLAIM_CTES: &str = "
    -- A held slot is renewed even if its lease lapsed, as long as nobody took it meanwhile (the
    -- outer conditions are checked again on the row if a concurrent claim locked it first). The
    -- lookup names no lease condition, so only the holder index can serve it: the lapse index
    -- requires a lease, and plans made while the statistics saw no held slots at all would
    -- otherwise walk every held slot in that index on every claim.
    held AS (
        UPDATE review_slots SET lease_expires_at = now() + make_interval(secs => $4)
        WHERE id = (SELECT id FROM review_slots
                    WHERE user_id = (SELECT id FROM me) AND task_id = (SELECT id FROM task)
                      AND purpose = $3 AND annotation_id IS NULL AND id <> ALL($5)
                    ORDER BY id LIMIT 1)
          AND user_id = (SELECT id FROM me) AND annotation_id IS NULL
          AND set_config('synchronous_commit', 'off', true) = 'off'
        RETURNING id, item_id, task_id, lease_expires_at),
    -- A lease that lapsed goes to the next person first (the oldest lapse), then free slots in
    -- claim order; each from its own index, so held slots are never walked past.
    -- `OFFSET 0` keeps each per-person check a per-candidate index probe: the candidates come in
    -- order and the first that passes wins, whereas an anti-join would read every slot and
    -- answer of the person first.
    lapsed AS (
        SELECT s.id FROM review_slots s
        WHERE NOT EXISTS (SELECT 1 FROM held)
          AND s.task_id = (SELECT id FROM task) AND s.purpose = $3 AND s.annotation_id IS NULL
          AND s.user_id IS NOT NULL AND s.lease_expires_at < now()
          AND NOT EXISTS (SELECT 1 FROM review_slots o
                          WHERE o.item_id = s.item_id AND o.user_id = (SELECT id FROM me) OFFSET 0)
          AND NOT EXISTS (SELECT 1 FROM annotations a
                          WHERE a.item_id = s.item_id AND a.user_id = (SELECT id FROM me)
                            AND a.retracted_at IS NULL OFFSET 0)
        ORDER BY s.lease_expires_at
        LIMIT 1
        FOR UPDATE SKIP LOCKED),
    free AS (
        SELECT s.id FROM review_slots s
        WHERE NOT EXISTS (SELECT 1 FROM held) AND NOT EXISTS (SELECT 1 FROM lapsed)
          AND s.task_id = (SELECT id FROM task) AND s.purpose = $3 AND s.annotation_id IS NULL
          AND s.user_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM review_slots o
                          WHERE o.item_id = s.item_id AND o.user_id = (SELECT id FROM me) OFFSET 0)
          AND NOT EXISTS (SELECT 1 FROM annotations a
                          WHERE a.item_id = s.item_id AND a.user_id = (SELECT id FROM me)
                            AND a.retracted_at IS NULL OFFSET 0)
        ORDER BY s.priority, s.id
        LIMIT 1
        FOR UPDATE SKIP LOCKED),
    next AS (
        SELECT id FROM lapsed UNION ALL SELECT id FROM free),
    claimed AS (
        UPDATE review_slots s SET user_id = (SELECT id FROM me), lease_expires_at = now() + make_interval(secs => $4),
                                  holders = CASE WHEN s.user_id IS NULL OR s.user_id = ANY(s.holders) THEN s.holders
                                                 ELSE s.holders || s.user_id END
        FROM next WHERE s.id = next.id
          AND set_config('synchronous_commit', 'off', true) = 'off'
        RETURNING s.id, s.item_id, s.task_id, s.lease_expires_at),
    slot AS (
        SELECT id, item_id, task_id, lease_expires_at FROM held
        UNION ALL
        SELECT id, item_id, task_id, lease_expires_at FROM claimed)";

/// One claim: who, which queue, how long, and which held slots not to hand back.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRequest<'a> {
    /// The task's name.
    pub task: &'a str,
    pub claimant: Claimant<'a>,
    pub purpose: ReviewPurpose,
    pub lease: Duration,
    pub exclude: &'a [i64],
}

/// The claim statement `WITH me, task, CLAIM_CTES <select>` for `request`: `$1` is the claimant
/// (user id or session id), `$2` the task's name, `$3` the purpose, `$4` the lease in seconds,
/// `$5` the slot ids not to hand back, and for a session, `$6` the roles allowed.
pub fn claim_statement(request: &ClaimRequest<'_>, select: &str) -> String {
    format!(
        "WITH {}, {TASK_CTE}, {CLAIM_CTES} {select}",
        request.claimant.me_cte(1, 6)
    )
}

/// Runs `WITH me, task, CLAIM_CTES <select>` in one statement, trying again when two claims by
/// one person at once (two tabs) picked two slots of one item and the unique index refused the
/// second. `select` reads the `slot` CTE (and may read `me` and `task`).
pub(crate) async fn run_claim(
    pool: &PgPool,
    request: ClaimRequest<'_>,
    select: &str,
) -> Result<Option<PgRow>, sqlx::Error> {
    // Composed at run time: the `me` CTE differs by claimant and each caller reads the claimed
    // slot with its own `select`; the rows are read by the caller through a `FromRow` type.
    let sql = claim_statement(&request, select);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let query = sqlx::query(&sql);
        let query = match request.claimant {
            Claimant::User(id) => query.bind(id),
            Claimant::Session { id, .. } => query.bind(id),
        };
        let query = query
            .bind(request.task)
            .bind(request.purpose.as_str())
            .bind(request.lease.as_secs_f64())
            .bind(request.exclude);
        let query = match request.claimant {
            Claimant::User(_) => query,
            Claimant::Session { roles, .. } => query.bind(roles),
        };
        let result = query.fetch_optional(pool).await;
        match result {
            Err(sqlx::Error::Database(error))
                if error.code().as_deref() == Some("23505") && attempts < 3 => {}
            other => return other,
        }
    }
}

/// Extends the leases the person still holds among `slot_ids`; returns those renewed.
pub async fn renew(
    pool: &PgPool,
    slot_ids: &[i64],
    user_id: i64,
    lease: Duration,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE review_slots SET lease_expires_at = now() + make_interval(secs => $3)
         WHERE id = ANY($1) AND user_id = $2 AND annotation_id IS NULL
           AND set_config('synchronous_commit', 'off', true) = 'off'
         RETURNING id",
        slot_ids,
        user_id,
        lease.as_secs_f64(),
    )
    .fetch_all(pool)
    .await
}

/// Hands held slots back to the queue (the person left the page); returns how many.
pub async fn release(pool: &PgPool, slot_ids: &[i64], user_id: i64) -> Result<u64, sqlx::Error> {
    let released = sqlx::query!(
        "UPDATE review_slots SET user_id = NULL, lease_expires_at = NULL,
                                 holders = CASE WHEN $2 = ANY(holders) THEN holders ELSE holders || $2 END
         WHERE id = ANY($1) AND user_id = $2 AND annotation_id IS NULL
           AND set_config('synchronous_commit', 'off', true) = 'off'",
        slot_ids,
        user_id,
    )
    .execute(pool)
    .await?;
    Ok(released.rows_affected())
}

pub use crate::db::review_submit::{submit, Submission, SubmitError};
