//! Undoing one's last answer within a short window: the answer is retracted (kept, marked
//! `retracted_at`), its slot is handed back to the same person under a fresh lease, and whatever
//! the answer had settled is unwound — the human or adjudicated verdict is removed, or the
//! adjudication it opened is withdrawn. An undo is refused once someone else has acted on the
//! item since (an adjudicator took it, another person took the skipped slot).

use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// The slot given back to the person, to answer again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reopened {
    pub slot_id: i64,
    pub item_id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    #[error("there is no answer of yours to undo")]
    NotFound,
    #[error("the undo window has passed")]
    TooLate,
    #[error("someone else has acted on this item since; it can no longer be undone")]
    Settled,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Retracts the answer `client_id` of `user_id` if it is younger than `window`.
pub async fn undo(
    pool: &PgPool,
    client_id: Uuid,
    user_id: i64,
    window: Duration,
    lease: Duration,
) -> Result<Reopened, UndoError> {
    let mut tx = pool.begin().await?;
    let answer = sqlx::query!(
        r#"SELECT id, slot_id, item_id, purpose, skipped, counted,
                  created_at > now() - make_interval(secs => $3) AS "recent!"
           FROM annotations WHERE client_id = $1 AND user_id = $2 AND retracted_at IS NULL
           FOR UPDATE"#,
        client_id,
        user_id,
        window.as_secs_f64()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(UndoError::NotFound)?;
    if !answer.recent {
        return Err(UndoError::TooLate);
    }
    let annotation_id = answer.id;
    let item_id = answer.item_id;
    let slot_id = answer.slot_id.ok_or(UndoError::Settled)?;
    let skipped = answer.skipped;
    // An answer kept after someone else took the item was never counted: nothing to take back.
    if !skipped && !answer.counted {
        return Err(UndoError::Settled);
    }
    let state = sqlx::query_scalar!("SELECT state FROM items WHERE id = $1 FOR UPDATE", item_id)
        .fetch_one(&mut *tx)
        .await?;
    let slot = sqlx::query!(
        "SELECT annotation_id, user_id, lease_expires_at > now() AS live
         FROM review_slots WHERE id = $1 FOR UPDATE",
        slot_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let filled_by = slot.annotation_id;
    if skipped {
        let holder = slot.user_id;
        let free = holder.is_none() || holder == Some(user_id) || slot.live == Some(false);
        if filled_by.is_some() || !free {
            return Err(UndoError::Settled);
        }
    } else {
        if filled_by != Some(annotation_id) {
            return Err(UndoError::Settled);
        }
        unwind_outcome(&mut tx, item_id, &answer.purpose, &state).await?;
    }
    sqlx::query!(
        "UPDATE annotations SET retracted_at = now() WHERE id = $1",
        annotation_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        // A lapsed holder this takes the slot from stays among its holders (a late answer).
        "UPDATE review_slots SET annotation_id = NULL, user_id = $2,
                lease_expires_at = now() + make_interval(secs => $3),
                holders = CASE WHEN user_id IS NULL OR user_id = $2 OR user_id = ANY(holders)
                               THEN holders ELSE holders || user_id END
         WHERE id = $1",
        slot_id,
        user_id,
        lease.as_secs_f64()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reopened { slot_id, item_id })
}

/// Takes back what a counted answer settled, leaving the item waiting for that answer again.
async fn unwind_outcome(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    item_id: i64,
    purpose: &str,
    state: &str,
) -> Result<(), UndoError> {
    let back_to = match (purpose, state) {
        ("annotate", "human_review") => return Ok(()),
        ("annotate", "done") => {
            remove_verdict(tx, item_id, "human").await?;
            "human_review"
        }
        ("annotate", "adjudication") => {
            let withdrawn = sqlx::query!(
                "DELETE FROM review_slots
                 WHERE item_id = $1 AND purpose = 'adjudicate' AND annotation_id IS NULL
                   AND (user_id IS NULL OR lease_expires_at < now())",
                item_id
            )
            .execute(&mut **tx)
            .await?;
            let remaining = sqlx::query_scalar!(
                r#"SELECT count(*) AS "count!" FROM review_slots
                   WHERE item_id = $1 AND purpose = 'adjudicate'"#,
                item_id
            )
            .fetch_one(&mut **tx)
            .await?;
            if withdrawn.rows_affected() == 0 || remaining > 0 {
                return Err(UndoError::Settled);
            }
            "human_review"
        }
        ("adjudicate", "done") => {
            remove_verdict(tx, item_id, "adjudicated").await?;
            "adjudication"
        }
        _ => return Err(UndoError::Settled),
    };
    sqlx::query!(
        "UPDATE items SET state = $2, updated_at = now() WHERE id = $1",
        item_id,
        back_to
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn remove_verdict(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    item_id: i64,
    provenance: &str,
) -> Result<(), UndoError> {
    let removed = sqlx::query!(
        "DELETE FROM verdicts WHERE item_id = $1 AND provenance = $2",
        item_id,
        provenance
    )
    .execute(&mut **tx)
    .await?;
    if removed.rows_affected() == 1 {
        Ok(())
    } else {
        Err(UndoError::Settled)
    }
}
