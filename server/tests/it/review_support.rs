//! Set-up shared by the review tests: people, items routed to humans, claims as the review page
//! makes them, and answers.

use crate::judge_support::*;
use app::db::queue::review::{ClaimRequest, Claimant, Submission};
use app::db::review_card::{self, Claimed};
use app::domain::ReviewPurpose;
use app::views::review::ReviewCard;
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

/// Inserts `count` users `{prefix}{n}@example.org` with `role` (and no usable password).
pub async fn add_users(pool: &PgPool, prefix: &str, count: usize, role: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in 0..count {
        ids.push(
            sqlx::query_scalar(
                "INSERT INTO users (email, display_name, role, password_hash)
                 VALUES ($1, $1, $2, 'not-a-hash') RETURNING id",
            )
            .bind(format!("{prefix}{n}@example.org"))
            .bind(role)
            .fetch_one(pool)
            .await
            .unwrap(),
        );
    }
    ids
}

/// `count` tag items routed to humans (no judge) needing `k` annotations each; the name of
/// their task.
pub async fn items_for_humans(pool: &PgPool, count: usize, k: i32) -> &'static str {
    sqlx::query(
        "UPDATE rubrics r SET definition = jsonb_set(r.definition, '{routing,annotations_per_item}', to_jsonb($1::int))
         FROM tasks t WHERE t.id = r.task_id AND r.version = t.current_rubric AND t.name = 'tag'",
    )
    .bind(k)
    .execute(pool)
    .await
    .unwrap();
    queue_items(pool, "tag", "h", count, |_| false).await;
    run_until_drained(pool, settings(None)).await;
    "tag"
}

/// Claims the next `purpose` slot of `task` for `user_id`, or renews one they hold that is not
/// in `exclude`, through the claim the review page makes (`review_card::claim`); `None` when
/// nothing is left for them.
pub async fn claim_as(
    pool: &PgPool,
    task: &str,
    user_id: i64,
    purpose: ReviewPurpose,
    lease: Duration,
    exclude: &[i64],
) -> Option<ReviewCard> {
    let request = ClaimRequest {
        task,
        claimant: Claimant::User(user_id),
        purpose,
        lease,
        exclude,
    };
    match review_card::claim(pool, request).await.unwrap() {
        Claimed::Card(card) => Some(*card),
        Claimed::Empty => None,
        refused => panic!("user {user_id} cannot claim on `{task}`: {refused:?}"),
    }
}

/// An answer of `user_id` on `slot_id` giving every tag criterion `label`.
pub fn answer_as(
    slot_id: i64,
    user_id: i64,
    purpose: ReviewPurpose,
    label: &str,
) -> Submission<'static> {
    Submission {
        client_id: Uuid::new_v4(),
        slot_id,
        purpose,
        submitter: Claimant::User(user_id),
        labels: Some(
            TAG_CRITERIA
                .iter()
                .map(|c| (c.to_string(), label.to_string()))
                .collect::<BTreeMap<_, _>>(),
        ),
        rationale: None,
        skip_reason: None,
        flagged: false,
    }
}
