//! The human review queue at the database layer: claims never hand one slot to two people (even
//! with 100 claimers at once), K annotations come from K distinct people, agreement makes the
//! verdict and disagreement goes to adjudication, leases lapse, late answers follow the rules,
//! submissions are idempotent and skips return the item to others.

use crate::harness::{count, migrated_pool};
use crate::judge_support::*;
use crate::review_support::*;
use app::db::queue::review::{self, Submission};
use app::domain::{AnswerOutcome, ReviewPurpose};
use sqlx::PgPool;
use std::collections::HashSet;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(600);

fn answer(slot_id: i64, user_id: i64, label: &str) -> Submission<'static> {
    answer_as(slot_id, user_id, ReviewPurpose::Annotate, label)
}

async fn item_state(pool: &PgPool, item_id: i64) -> String {
    sqlx::query_scalar("SELECT state FROM items WHERE id = $1")
        .bind(item_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_hundred_concurrent_claimers_never_share_a_slot() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 60, 1).await;
    let users = add_users(&pool, "racer", 100, "annotator").await;

    let claims = futures_util::future::join_all(users.iter().map(|&user| {
        let pool = pool.clone();
        async move { claim_as(&pool, task, user, ReviewPurpose::Annotate, LEASE, &[]).await }
    }))
    .await;

    let won: Vec<_> = claims.into_iter().flatten().collect();
    assert_eq!(won.len(), 60, "every slot once, the other 40 get nothing");
    let slots: HashSet<i64> = won.iter().map(|c| c.slot_id).collect();
    let items: HashSet<i64> = won.iter().map(|c| c.item_id).collect();
    assert_eq!((slots.len(), items.len()), (60, 60));
}

#[tokio::test]
async fn one_answer_with_k_one_is_the_human_verdict_and_retries_are_recognised() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 2, 1).await;
    let [ann] = add_users(&pool, "ann", 1, "annotator").await[..] else {
        unreachable!()
    };

    let claim = claim_as(&pool, task, ann, ReviewPurpose::Annotate, LEASE, &[])
        .await
        .unwrap();
    let again = claim_as(&pool, task, ann, ReviewPurpose::Annotate, LEASE, &[])
        .await
        .unwrap();
    assert_eq!(
        again.slot_id, claim.slot_id,
        "a held lease is resumed, not doubled"
    );

    let submission = answer(claim.slot_id, ann, "pass");
    assert_eq!(
        review::submit(&pool, &submission).await.unwrap(),
        AnswerOutcome::Counted { finished: true }
    );
    assert_eq!(
        review::submit(&pool, &submission).await.unwrap(),
        AnswerOutcome::Duplicate
    );
    let (provenance, qualified, decided_by): (String, bool, i64) =
        sqlx::query_as("SELECT provenance, qualified, decided_by FROM verdicts WHERE item_id = $1")
            .bind(claim.item_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (provenance.as_str(), qualified, decided_by),
        ("human", true, ann)
    );
    assert_eq!(item_state(&pool, claim.item_id).await, "done");
    assert_eq!(count(&pool, "annotations").await, 1);
}

#[tokio::test]
async fn k_two_needs_two_people_and_disagreement_goes_to_adjudication() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 1, 2).await;
    let annotators = add_users(&pool, "ann", 2, "annotator").await;
    let [reviewer] = add_users(&pool, "rev", 1, "reviewer").await[..] else {
        unreachable!()
    };

    let first = claim_as(
        &pool,
        task,
        annotators[0],
        ReviewPurpose::Annotate,
        LEASE,
        &[],
    )
    .await
    .unwrap();
    review::submit(&pool, &answer(first.slot_id, annotators[0], "pass"))
        .await
        .unwrap();
    assert_eq!(
        claim_as(
            &pool,
            task,
            annotators[0],
            ReviewPurpose::Annotate,
            LEASE,
            &[]
        )
        .await,
        None,
        "the same person never gets the item's second slot"
    );
    let forced = sqlx::query(
        "UPDATE review_slots SET user_id = $1, lease_expires_at = now() WHERE item_id = $2 AND annotation_id IS NULL",
    )
    .bind(annotators[0])
    .bind(first.item_id)
    .execute(&pool)
    .await;
    assert!(
        forced.is_err(),
        "the database itself refuses one person on two slots"
    );
    assert_eq!(item_state(&pool, first.item_id).await, "human_review");

    let second = claim_as(
        &pool,
        task,
        annotators[1],
        ReviewPurpose::Annotate,
        LEASE,
        &[],
    )
    .await
    .unwrap();
    assert_eq!(second.item_id, first.item_id);
    assert_eq!(
        review::submit(&pool, &answer(second.slot_id, annotators[1], "fail"))
            .await
            .unwrap(),
        AnswerOutcome::Counted { finished: true }
    );
    assert_eq!(item_state(&pool, first.item_id).await, "adjudication");

    let adjudication = claim_as(&pool, task, reviewer, ReviewPurpose::Adjudicate, LEASE, &[])
        .await
        .unwrap();
    assert_eq!(adjudication.item_id, first.item_id);
    let wrong_queue = answer(adjudication.slot_id, reviewer, "fail");
    assert!(matches!(
        review::submit(&pool, &wrong_queue).await,
        Err(review::SubmitError::UnknownSlot)
    ));
    let settle = Submission {
        purpose: ReviewPurpose::Adjudicate,
        ..answer(adjudication.slot_id, reviewer, "fail")
    };
    review::submit(&pool, &settle).await.unwrap();
    let (provenance, qualified): (String, bool) =
        sqlx::query_as("SELECT provenance, qualified FROM verdicts WHERE item_id = $1")
            .bind(first.item_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((provenance.as_str(), qualified), ("adjudicated", false));
    assert_eq!(item_state(&pool, first.item_id).await, "done");
}

#[tokio::test]
async fn a_lapsed_lease_returns_the_item_and_late_answers_follow_the_rules() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 2, 1).await;
    let users = add_users(&pool, "ann", 3, "annotator").await;
    let short = Duration::from_millis(300);

    // Lapsed, then taken by someone else: the late answer is kept but not counted.
    let lapsed = claim_as(&pool, task, users[0], ReviewPurpose::Annotate, short, &[])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let taker = claim_as(&pool, task, users[1], ReviewPurpose::Annotate, LEASE, &[])
        .await
        .unwrap();
    assert_eq!(
        taker.slot_id, lapsed.slot_id,
        "the lapsed item went back to the queue"
    );
    assert_eq!(
        review::submit(&pool, &answer(lapsed.slot_id, users[0], "pass"))
            .await
            .unwrap(),
        AnswerOutcome::TakenByOther
    );
    let (counted, kept): (bool, i64) =
        sqlx::query_as("SELECT counted, count(*) OVER () FROM annotations WHERE user_id = $1")
            .bind(users[0])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((counted, kept), (false, 1));

    // Lapsed, nobody took it: the late answer counts.
    let other = claim_as(&pool, task, users[2], ReviewPurpose::Annotate, short, &[])
        .await
        .unwrap();
    assert_ne!(other.item_id, lapsed.item_id);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        review::submit(&pool, &answer(other.slot_id, users[2], "pass"))
            .await
            .unwrap(),
        AnswerOutcome::Counted { finished: true }
    );
}

#[tokio::test]
async fn answers_to_slots_never_handed_to_the_submitter_are_refused_and_store_nothing() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 3, 1).await;
    let users = add_users(&pool, "ann", 4, "annotator").await;
    let slots: Vec<i64> = sqlx::query_scalar("SELECT id FROM review_slots ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    let short = Duration::from_millis(300);

    // An open slot nobody claimed, picked by id: refused.
    let refused = review::submit(&pool, &answer(slots[2], users[0], "pass")).await;
    assert!(
        matches!(refused, Err(review::SubmitError::NotHeld)),
        "{refused:?}"
    );
    // A slot someone else holds: refused too, not kept as a late answer.
    let held = claim_as(&pool, task, users[1], ReviewPurpose::Annotate, LEASE, &[])
        .await
        .unwrap();
    let refused = review::submit(&pool, &answer(held.slot_id, users[0], "pass")).await;
    assert!(
        matches!(refused, Err(review::SubmitError::NotHeld)),
        "{refused:?}"
    );
    assert_eq!(count(&pool, "annotations").await, 0, "nothing was stored");

    // A holder whose lease lapsed, even if the slot changed hands twice since, may still hand in
    // a late answer (kept, uncounted); a person it was never handed to may not answer it.
    let lapsed = claim_as(&pool, task, users[0], ReviewPurpose::Annotate, short, &[])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = claim_as(&pool, task, users[2], ReviewPurpose::Annotate, short, &[])
        .await
        .unwrap();
    assert_eq!(second.slot_id, lapsed.slot_id);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let taker = claim_as(&pool, task, users[3], ReviewPurpose::Annotate, LEASE, &[])
        .await
        .unwrap();
    assert_eq!(taker.slot_id, lapsed.slot_id);
    assert_eq!(
        review::submit(&pool, &answer(lapsed.slot_id, users[0], "pass"))
            .await
            .unwrap(),
        AnswerOutcome::TakenByOther
    );
    let refused = review::submit(&pool, &answer(lapsed.slot_id, users[1], "pass")).await;
    assert!(
        matches!(refused, Err(review::SubmitError::NotHeld)),
        "{refused:?}"
    );
    // A person who released a slot (left the page) may still answer it while nobody took it.
    let own = review::release(&pool, &[held.slot_id], users[1])
        .await
        .unwrap();
    assert_eq!(own, 1);
    assert_eq!(
        review::submit(&pool, &answer(held.slot_id, users[1], "pass"))
            .await
            .unwrap(),
        AnswerOutcome::Counted { finished: true }
    );
    assert_eq!(count(&pool, "annotations").await, 2);
}

#[tokio::test]
async fn a_skipped_item_goes_to_someone_else_and_a_released_one_back_to_the_queue() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 1, 1).await;
    let users = add_users(&pool, "ann", 2, "annotator").await;

    let claim = claim_as(&pool, task, users[0], ReviewPurpose::Annotate, LEASE, &[])
        .await
        .unwrap();
    let released = review::release(&pool, &[claim.slot_id], users[0]).await;
    assert_eq!(released.unwrap(), 1);
    let again = claim_as(&pool, task, users[0], ReviewPurpose::Annotate, LEASE, &[])
        .await
        .unwrap();
    assert_eq!(again.slot_id, claim.slot_id);
    let skip = Submission {
        labels: None,
        skip_reason: Some("not sure what the tag means".into()),
        ..answer(again.slot_id, users[0], "pass")
    };
    assert_eq!(
        review::submit(&pool, &skip).await.unwrap(),
        AnswerOutcome::Skipped
    );
    assert_eq!(
        claim_as(&pool, task, users[0], ReviewPurpose::Annotate, LEASE, &[]).await,
        None,
        "a skipped item is not offered to the same person again"
    );
    let other = claim_as(&pool, task, users[1], ReviewPurpose::Annotate, LEASE, &[])
        .await
        .unwrap();
    assert_eq!(other.item_id, claim.item_id);
}

#[tokio::test]
async fn the_last_of_concurrent_answers_finishes_the_item() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 20, 2).await;
    let users = add_users(&pool, "ann", 2, "annotator").await;
    for _ in 0..20 {
        let mut claims = Vec::new();
        for &user in &users {
            claims.push(
                claim_as(&pool, task, user, ReviewPurpose::Annotate, LEASE, &[])
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(
            claims[0].item_id, claims[1].item_id,
            "both slots of the next item"
        );
        let first = answer(claims[0].slot_id, users[0], "pass");
        let second = answer(claims[1].slot_id, users[1], "pass");
        let (a, b) = tokio::join!(
            review::submit(&pool, &first),
            review::submit(&pool, &second)
        );
        a.unwrap();
        b.unwrap();
    }
    assert_eq!(states(&pool).await, vec![("done".to_string(), 20)]);
}

/// Sums "Rows Removed by Filter" over every node of an `EXPLAIN (ANALYZE, FORMAT JSON)` plan.
fn rows_removed(plan: &serde_json::Value) -> i64 {
    let own = plan["Rows Removed by Filter"].as_i64().unwrap_or(0);
    let children = plan["Plans"]
        .as_array()
        .map_or(0, |plans| plans.iter().map(rows_removed).sum::<i64>());
    own + children
}

#[tokio::test]
async fn a_claim_does_not_walk_held_slots_even_with_statistics_from_before_anyone_held_one() {
    let (pool, _) = migrated_pool().await;
    let task = items_for_humans(&pool, 3000, 1).await;
    let users = add_users(&pool, "held", 2, "annotator").await;
    let (ann, other) = (users[0], users[1]);
    // The statistics of a freshly imported queue: nobody holds anything.
    sqlx::query("ANALYZE review_slots")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE review_slots SET user_id = $1, lease_expires_at = now() + interval '10 minutes'
         WHERE id IN (SELECT id FROM review_slots ORDER BY id LIMIT 2000)",
    )
    .bind(other)
    .execute(&pool)
    .await
    .unwrap();
    let request = review::ClaimRequest {
        task,
        claimant: review::Claimant::User(ann),
        purpose: ReviewPurpose::Annotate,
        lease: LEASE,
        exclude: &[],
    };
    let sql = review::claim_statement(&request, "SELECT id FROM slot");

    let mut connection = pool.acquire().await.unwrap();
    sqlx::query(&format!(
        "PREPARE claim (bigint, text, text, float8, bigint[]) AS {sql}"
    ))
    .execute(&mut *connection)
    .await
    .unwrap();
    // sqlx prepares statements, so Postgres may plan them either way.
    for mode in ["force_custom_plan", "force_generic_plan"] {
        sqlx::query(&format!("SET plan_cache_mode = {mode}"))
            .execute(&mut *connection)
            .await
            .unwrap();
        let explained: serde_json::Value = sqlx::query_scalar(&format!(
            "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE claim({ann}, '{task}', 'annotate', 600, '{{}}')"
        ))
        .fetch_one(&mut *connection)
        .await
        .unwrap();
        let removed = rows_removed(&explained[0]["Plan"]);
        assert!(
            removed < 100,
            "{mode}: the claim filtered out {removed} rows (walked the held slots)\n{explained:#}"
        );
    }
}
