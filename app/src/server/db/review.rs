//! The human review queue: claiming an open slot under a lease, renewing and releasing it, and
//! submitting an answer, which fills the slot and, once an item has all its answers, writes the
//! final verdict (`human`) or sends the item to adjudication; an adjudicator's answer is final
//! (`adjudicated`).
//!
//! Guarantees come from the database: a slot is claimed with `FOR UPDATE SKIP LOCKED`, so two
//! people never get the same slot; unique indexes keep one person to one slot and one counted
//! answer per item; a submission carries a client-generated id, so a retried one is recognised.
//! A late answer (after the lease lapsed) counts if nobody else took the slot; otherwise it is
//! kept, uncounted, and the submitter is told.

use crate::domain::{TaskDefinition, Verdict, VerdictError};
use serde_json::Value;
use sqlx::{PgPool, Postgres, Row, Transaction};
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

/// What a claim is for: a regular annotation, or a reviewer's final word on a disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Annotate,
    Adjudicate,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Annotate => "annotate",
            Purpose::Adjudicate => "adjudicate",
        }
    }
}

/// A slot leased to one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub slot_id: i64,
    pub item_id: i64,
    pub lease_expires_at: chrono::DateTime<chrono::Utc>,
}

/// Leases the next open slot of `task_id` to `user_id`, or renews one they already hold that is
/// not in `exclude` (the slots the page already shows or is saving, so it can prefetch the next
/// one). `None` when nothing is left for them.
pub async fn claim(
    pool: &PgPool,
    task_id: i64,
    user_id: i64,
    purpose: Purpose,
    lease: Duration,
    exclude: &[i64],
) -> Result<Option<Claim>, sqlx::Error> {
    // One statement: renew a slot the person holds (not in `exclude`), or else lease the next
    // open one. Two claims by one person at once (two tabs) may pick two slots of one item; the
    // unique index refuses the second, which then simply tries again.
    for _ in 0..3 {
        let mut tx = lease_transaction(pool).await?;
        let result = sqlx::query(
            "WITH held AS (
                 UPDATE review_slots SET lease_expires_at = now() + make_interval(secs => $4)
                 WHERE id = (SELECT id FROM review_slots
                             WHERE user_id = $1 AND task_id = $2 AND purpose = $3
                               AND annotation_id IS NULL AND lease_expires_at > now()
                               AND id <> ALL($5)
                             ORDER BY id LIMIT 1)
                 RETURNING id, item_id, lease_expires_at),
             next AS (
                 SELECT s.id FROM review_slots s
                 WHERE NOT EXISTS (SELECT 1 FROM held)
                   AND s.task_id = $2 AND s.purpose = $3 AND s.annotation_id IS NULL
                   AND (s.user_id IS NULL OR s.lease_expires_at < now())
                   -- `OFFSET 0` keeps each check a per-candidate index probe: the candidates
                   -- come in claim order and the first that passes wins, whereas an anti-join
                   -- would read every slot and answer of the person first.
                   AND NOT EXISTS (SELECT 1 FROM review_slots o
                                   WHERE o.item_id = s.item_id AND o.user_id = $1 OFFSET 0)
                   AND NOT EXISTS (SELECT 1 FROM annotations a
                                   WHERE a.item_id = s.item_id AND a.user_id = $1
                                     AND a.retracted_at IS NULL OFFSET 0)
                 ORDER BY s.priority, s.id
                 LIMIT 1
                 FOR UPDATE SKIP LOCKED),
             claimed AS (
                 UPDATE review_slots s SET user_id = $1, lease_expires_at = now() + make_interval(secs => $4)
                 FROM next WHERE s.id = next.id
                 RETURNING s.id, s.item_id, s.lease_expires_at)
             SELECT id, item_id, lease_expires_at FROM held
             UNION ALL
             SELECT id, item_id, lease_expires_at FROM claimed",
        )
        .bind(user_id)
        .bind(task_id)
        .bind(purpose.as_str())
        .bind(lease.as_secs_f64())
        .bind(exclude)
        .fetch_optional(&mut *tx)
        .await;
        match result {
            Ok(row) => {
                tx.commit().await?;
                return Ok(row.as_ref().map(claim_from));
            }
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("23505") => {}
            Err(error) => return Err(error),
        }
    }
    Ok(None)
}

/// A transaction for claims, committed without waiting for the WAL flush. A lease lost in a
/// database crash only makes its slot claimable again; a late answer to it is then kept but not
/// counted if someone else took the slot (see [`submit`]). Answers are always committed durably.
async fn lease_transaction(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

fn claim_from(row: &sqlx::postgres::PgRow) -> Claim {
    Claim {
        slot_id: row.get("id"),
        item_id: row.get("item_id"),
        lease_expires_at: row.get("lease_expires_at"),
    }
}

/// Extends a lease the person still holds; false when it is gone.
pub async fn renew(
    pool: &PgPool,
    slot_id: i64,
    user_id: i64,
    lease: Duration,
) -> Result<bool, sqlx::Error> {
    let renewed = sqlx::query(
        "UPDATE review_slots SET lease_expires_at = now() + make_interval(secs => $3)
         WHERE id = $1 AND user_id = $2 AND annotation_id IS NULL",
    )
    .bind(slot_id)
    .bind(user_id)
    .bind(lease.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(renewed.rows_affected() == 1)
}

/// Hands a held slot back to the queue (the person left the page).
pub async fn release(pool: &PgPool, slot_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let released = sqlx::query(
        "UPDATE review_slots SET user_id = NULL, lease_expires_at = NULL
         WHERE id = $1 AND user_id = $2 AND annotation_id IS NULL",
    )
    .bind(slot_id)
    .bind(user_id)
    .execute(pool)
    .await?;
    Ok(released.rows_affected() == 1)
}

/// One person's answer on a slot.
#[derive(Debug, Clone)]
pub struct Submission {
    /// Generated by the browser; a retried submission carries the same id.
    pub client_id: Uuid,
    pub slot_id: i64,
    /// The queue the submitter works on; a slot of the other queue is refused as unknown.
    pub purpose: Purpose,
    pub user_id: i64,
    /// Criterion → label; `None` for a skip.
    pub labels: Option<BTreeMap<String, String>>,
    pub rationale: Option<String>,
    pub skip_reason: Option<String>,
    pub flagged: bool,
}

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    /// Counted; `finished` when it completed the item (verdict written or sent to adjudication).
    Counted { finished: bool },
    /// A skip: the slot went back to the queue for someone else.
    Skipped,
    /// The same submission arrived before; nothing changed.
    Duplicate,
    /// The lease had lapsed and someone else took the slot: the answer is kept, not counted.
    TakenByOther,
}

/// Why a submission was refused outright.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("no such review slot")]
    UnknownSlot,
    #[error(transparent)]
    Labels(#[from] VerdictError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Records `submission` and moves its item on, in one transaction.
pub async fn submit(pool: &PgPool, submission: &Submission) -> Result<Submitted, SubmitError> {
    let mut tx = pool.begin().await?;
    let seen: Option<i64> = sqlx::query_scalar("SELECT id FROM annotations WHERE client_id = $1")
        .bind(submission.client_id)
        .fetch_optional(&mut *tx)
        .await?;
    if seen.is_some() {
        return Ok(Submitted::Duplicate);
    }
    let slot = sqlx::query(
        "SELECT s.item_id, s.task_id, s.purpose, s.user_id, s.annotation_id, t.current_rubric, r.definition
         FROM review_slots s JOIN tasks t ON t.id = s.task_id
         JOIN rubrics r ON r.task_id = t.id AND r.version = t.current_rubric
         WHERE s.id = $1 FOR UPDATE OF s",
    )
    .bind(submission.slot_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(SubmitError::UnknownSlot)?;
    let purpose: String = slot.get("purpose");
    if purpose != submission.purpose.as_str() {
        return Err(SubmitError::UnknownSlot);
    }
    let item_id: i64 = slot.get("item_id");
    // Submissions on one item take turns, so the last of K concurrent answers sees the others
    // and finishes the item.
    sqlx::query("SELECT 1 FROM items WHERE id = $1 FOR UPDATE")
        .bind(item_id)
        .execute(&mut *tx)
        .await?;
    let holder: Option<i64> = slot.get("user_id");
    let filled: Option<i64> = slot.get("annotation_id");
    let rubric_version: i32 = slot.get("current_rubric");
    let definition: TaskDefinition = serde_json::from_value(slot.get::<Value, _>("definition"))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let verdict = submission
        .labels
        .as_ref()
        .map(|labels| Verdict::from_labels(&definition, labels))
        .transpose()?;
    // Ours while nobody else has filled or taken the slot, even after our lease lapsed.
    let ours = filled.is_none() && holder.is_none_or(|holder| holder == submission.user_id);
    let counted = ours && submission.labels.is_some();
    let annotation_id: i64 = sqlx::query_scalar(
        "INSERT INTO annotations (item_id, user_id, slot_id, client_id, rubric_version, purpose, criteria,
                                  qualified, grade, rationale, skipped, skip_reason, flagged, counted)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING id",
    )
    .bind(item_id)
    .bind(submission.user_id)
    .bind(submission.slot_id)
    .bind(submission.client_id)
    .bind(rubric_version)
    .bind(&purpose)
    .bind(submission.labels.as_ref().map(|l| serde_json::to_value(l).expect("labels serialise")))
    .bind(verdict.as_ref().map(|v| v.qualified))
    .bind(verdict.as_ref().map(|v| v.grade.as_str()))
    .bind(&submission.rationale)
    .bind(submission.labels.is_none())
    .bind(&submission.skip_reason)
    .bind(submission.flagged)
    .bind(counted)
    .fetch_one(&mut *tx)
    .await?;
    if !ours {
        tx.commit().await?;
        return Ok(Submitted::TakenByOther);
    }
    if holder.is_none() {
        sqlx::query("UPDATE review_slots SET user_id = $2, lease_expires_at = now() WHERE id = $1")
            .bind(submission.slot_id)
            .bind(submission.user_id)
            .execute(&mut *tx)
            .await?;
    }
    if submission.labels.is_none() {
        sqlx::query(
            "UPDATE review_slots SET user_id = NULL, lease_expires_at = NULL WHERE id = $1",
        )
        .bind(submission.slot_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Submitted::Skipped);
    }
    sqlx::query("UPDATE review_slots SET annotation_id = $2 WHERE id = $1")
        .bind(submission.slot_id)
        .bind(annotation_id)
        .execute(&mut *tx)
        .await?;
    let finished = if purpose == "adjudicate" {
        let verdict = verdict.expect("counted answers have labels");
        let labels = serde_json::to_value(&submission.labels).expect("labels serialise");
        let final_verdict = FinalVerdict {
            criteria: &labels,
            qualified: verdict.qualified,
            grade: verdict.grade.as_str(),
            provenance: "adjudicated",
        };
        write_verdict(
            &mut tx,
            item_id,
            submission.user_id,
            &final_verdict,
            rubric_version,
        )
        .await?;
        true
    } else {
        finish_if_complete(&mut tx, item_id, submission, rubric_version).await?
    };
    tx.commit().await?;
    Ok(Submitted::Counted { finished })
}

/// When every annotation slot of the item is filled: agreeing answers make the verdict,
/// disagreeing ones open an adjudication slot.
async fn finish_if_complete(
    tx: &mut Transaction<'_, Postgres>,
    item_id: i64,
    submission: &Submission,
    rubric_version: i32,
) -> Result<bool, SubmitError> {
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM review_slots WHERE item_id = $1 AND purpose = 'annotate' AND annotation_id IS NULL",
    )
    .bind(item_id)
    .fetch_one(&mut **tx)
    .await?;
    if open > 0 {
        return Ok(false);
    }
    let answers: Vec<(Value, bool, String)> = sqlx::query_as(
        "SELECT criteria, qualified, grade FROM annotations
         WHERE item_id = $1 AND purpose = 'annotate' AND counted AND retracted_at IS NULL AND NOT skipped
         ORDER BY id",
    )
    .bind(item_id)
    .fetch_all(&mut **tx)
    .await?;
    let agree = answers.windows(2).all(|pair| pair[0].0 == pair[1].0);
    if agree {
        let (criteria, qualified, grade) = answers.last().expect("a filled slot has an answer");
        let verdict = FinalVerdict {
            criteria,
            qualified: *qualified,
            grade,
            provenance: "human",
        };
        write_verdict(tx, item_id, submission.user_id, &verdict, rubric_version).await?;
    } else {
        sqlx::query(
            "INSERT INTO review_slots (item_id, task_id, purpose, priority)
             SELECT id, task_id, 'adjudicate', 0 FROM items WHERE id = $1",
        )
        .bind(item_id)
        .execute(&mut **tx)
        .await?;
        set_state(tx, item_id, "adjudication").await?;
    }
    Ok(true)
}

/// A final verdict as `verdicts` stores it.
struct FinalVerdict<'a> {
    criteria: &'a Value,
    qualified: bool,
    grade: &'a str,
    provenance: &'static str,
}

/// Writes (or replaces) the item's final verdict and marks the item done.
async fn write_verdict(
    tx: &mut Transaction<'_, Postgres>,
    item_id: i64,
    decided_by: i64,
    verdict: &FinalVerdict<'_>,
    rubric_version: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO verdicts (item_id, criteria, qualified, grade, provenance, decided_by, rubric_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (item_id) DO UPDATE
         SET criteria = excluded.criteria, qualified = excluded.qualified, grade = excluded.grade,
             provenance = excluded.provenance, judgment_id = NULL, decided_by = excluded.decided_by,
             rubric_version = excluded.rubric_version, updated_at = now()",
    )
    .bind(item_id)
    .bind(verdict.criteria)
    .bind(verdict.qualified)
    .bind(verdict.grade)
    .bind(verdict.provenance)
    .bind(decided_by)
    .bind(rubric_version)
    .execute(&mut **tx)
    .await?;
    set_state(tx, item_id, "done").await
}

async fn set_state(
    tx: &mut Transaction<'_, Postgres>,
    item_id: i64,
    state: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE items SET state = $2, updated_at = now() WHERE id = $1")
        .bind(item_id)
        .bind(state)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
