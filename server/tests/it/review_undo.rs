//! Undo at the database layer: taking back an answer unwinds exactly what it settled (a human
//! verdict, an adjudication it opened, an adjudicated verdict), gives the slot back to its author,
//! and is refused once the window has passed or someone else has acted on the item.

use crate::harness::migrated_pool;
use crate::review_support::{add_users, claim_as, items_for_humans};
use app::db::queue::review::{self, Submission};
use app::db::review_undo::{undo, UndoError};
use app::domain::ReviewPurpose;
use app::views::review::ReviewCard;
use sqlx::PgPool;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(600);
const WINDOW: Duration = Duration::from_secs(30);

use crate::review_support::answer_as as answer;

/// Both annotators answer the next item, the first `pass`, the second `fail`; returns the second
/// one's claim and answer.
async fn disagree(pool: &PgPool, task: &str, anns: &[i64]) -> (ReviewCard, Submission<'static>) {
    let mut last = None;
    for (n, &ann) in anns.iter().enumerate() {
        let slot = claim(pool, task, ann, ReviewPurpose::Annotate).await;
        let label = if n == 0 { "pass" } else { "fail" };
        let sent = answer(slot.slot_id, ann, ReviewPurpose::Annotate, label);
        review::submit(pool, &sent).await.unwrap();
        last = Some((slot, sent));
    }
    last.expect("two annotators")
}

async fn claim(pool: &PgPool, task: &str, user: i64, purpose: ReviewPurpose) -> ReviewCard {
    claim_as(pool, task, user, purpose, LEASE, &[])
        .await
        .expect("an open slot")
}

async fn item(pool: &PgPool, item_id: i64) -> (String, Option<String>, i64) {
    sqlx::query_as(
        "SELECT i.state, v.provenance,
                (SELECT count(*) FROM review_slots s WHERE s.item_id = i.id AND s.purpose = 'adjudicate')
         FROM items i LEFT JOIN verdicts v ON v.item_id = i.id WHERE i.id = $1",
    )
    .bind(item_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn undoing_a_human_verdict_reopens_the_slot_for_its_author() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 1, 1).await;
    let ann = add_users(&pool, "a", 1, "annotator").await[0];
    let slot = claim(&pool, task, ann, ReviewPurpose::Annotate).await;
    let given = answer(slot.slot_id, ann, ReviewPurpose::Annotate, "fail");
    review::submit(&pool, &given).await.unwrap();
    assert_eq!(
        item(&pool, slot.item_id).await,
        ("done".into(), Some("human".into()), 0)
    );

    let reopened = undo(&pool, given.client_id, ann, WINDOW, LEASE)
        .await
        .unwrap();
    assert_eq!(reopened.slot_id, slot.slot_id);
    assert_eq!(
        item(&pool, slot.item_id).await,
        ("human_review".into(), None, 0)
    );
    assert_eq!(
        claim(&pool, task, ann, ReviewPurpose::Annotate)
            .await
            .slot_id,
        slot.slot_id,
        "held by its author again"
    );
    assert!(matches!(
        undo(&pool, given.client_id, ann, WINDOW, LEASE).await,
        Err(UndoError::NotFound)
    ));
    review::submit(
        &pool,
        &answer(slot.slot_id, ann, ReviewPurpose::Annotate, "pass"),
    )
    .await
    .unwrap();
    assert_eq!(
        item(&pool, slot.item_id).await,
        ("done".into(), Some("human".into()), 0)
    );
}

#[tokio::test]
async fn undoing_a_disagreement_withdraws_the_adjudication_unless_a_reviewer_holds_it() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 2, 2).await;
    let anns = add_users(&pool, "a", 2, "annotator").await;
    let reviewer = add_users(&pool, "r", 1, "reviewer").await[0];
    let (slot, sent) = disagree(&pool, task, &anns).await;
    let item_id = slot.item_id;
    assert_eq!(item(&pool, item_id).await, ("adjudication".into(), None, 1));
    undo(&pool, sent.client_id, anns[1], WINDOW, LEASE)
        .await
        .unwrap();
    assert_eq!(
        item(&pool, item_id).await,
        ("human_review".into(), None, 0),
        "the adjudication is withdrawn"
    );
    let agreeing = answer(slot.slot_id, anns[1], ReviewPurpose::Annotate, "pass");
    review::submit(&pool, &agreeing).await.unwrap();
    assert_eq!(
        item(&pool, item_id).await,
        ("done".into(), Some("human".into()), 0)
    );

    // The second item: disagreement, and a reviewer takes the adjudication before the undo.
    let (_, second) = disagree(&pool, task, &anns).await;
    let adjudication = claim(&pool, task, reviewer, ReviewPurpose::Adjudicate).await;
    assert!(matches!(
        undo(&pool, second.client_id, anns[1], WINDOW, LEASE).await,
        Err(UndoError::Settled)
    ));
    let settle = answer(
        adjudication.slot_id,
        reviewer,
        ReviewPurpose::Adjudicate,
        "fail",
    );
    review::submit(&pool, &settle).await.unwrap();
    assert_eq!(
        item(&pool, adjudication.item_id).await,
        ("done".into(), Some("adjudicated".into()), 1)
    );
    undo(&pool, settle.client_id, reviewer, WINDOW, LEASE)
        .await
        .unwrap();
    assert_eq!(
        item(&pool, adjudication.item_id).await,
        ("adjudication".into(), None, 1)
    );
    assert_eq!(
        claim(&pool, task, reviewer, ReviewPurpose::Adjudicate)
            .await
            .slot_id,
        adjudication.slot_id
    );
}

#[tokio::test]
async fn undo_is_refused_after_the_window_and_for_a_skip_someone_else_took() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 1, 1).await;
    let anns = add_users(&pool, "a", 2, "annotator").await;
    let slot = claim(&pool, task, anns[0], ReviewPurpose::Annotate).await;
    let skip = Submission {
        labels: None,
        skip_reason: Some("unsure".into()),
        ..answer(slot.slot_id, anns[0], ReviewPurpose::Annotate, "pass")
    };
    review::submit(&pool, &skip).await.unwrap();
    assert!(matches!(
        undo(&pool, skip.client_id, anns[0], Duration::ZERO, LEASE).await,
        Err(UndoError::TooLate)
    ));
    let taken = claim(&pool, task, anns[1], ReviewPurpose::Annotate).await;
    assert_eq!(taken.slot_id, slot.slot_id);
    assert!(matches!(
        undo(&pool, skip.client_id, anns[0], WINDOW, LEASE).await,
        Err(UndoError::Settled)
    ));
    review::release(&pool, &[taken.slot_id], anns[1])
        .await
        .unwrap();
    let back = undo(&pool, skip.client_id, anns[0], WINDOW, LEASE)
        .await
        .unwrap();
    assert_eq!(
        back.slot_id, slot.slot_id,
        "a skip is undone while the slot is free"
    );
    assert!(matches!(
        undo(&pool, skip.client_id, anns[1], WINDOW, LEASE).await,
        Err(UndoError::NotFound)
    ));
}
