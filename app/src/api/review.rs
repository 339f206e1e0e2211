//! Human review: the server functions behind the review and adjudication pages, and the types
//! they return. The queue itself (leases, K distinct people, verdicts) is enforced in
//! `db::queue::review`; these functions check who is asking and shape the answers for the page.

use crate::domain::{AnswerOutcome, ReviewPurpose};
#[cfg(feature = "ssr")]
use crate::views::review::parse_slot_list;
use crate::views::review::{Answer, ReviewCard, TaskGuide};
use crate::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The task's guide for the review page.
#[server(endpoint = "review/guide")]
pub async fn review_guide(task: String) -> Result<TaskGuide, AppError> {
    use crate::api::request;
    use crate::db;
    use crate::domain::Capability;
    request::require(Capability::Annotate).await?;
    let state = request::state()?;
    let (_, rubric_version, definition) = db::tasks::current_definition(&state.pool, &task)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Task `{task}`")).with_status())?;
    let field_order = crate::domain::field_order::field_order(&[
        &definition.output_schema,
        &definition.context_schema,
    ]);
    Ok(TaskGuide {
        field_order,
        task,
        title: definition.title,
        description: definition.description,
        rubric_version,
        scale: definition.scale,
        criteria: definition.criteria,
        grading: definition.grading,
        lease_seconds: state.review.lease.as_secs(),
        undo_seconds: state.review.undo_window.as_secs(),
    })
}

/// Leases the next item of `task` to the signed-in person (or gives back one they hold that is
/// not in `holding`, a comma-separated list of slot ids the page already has). `None` when the
/// queue has nothing left for them.
#[server(endpoint = "review/next")]
pub async fn next_review(
    task: String,
    purpose: ReviewPurpose,
    holding: String,
) -> Result<Option<ReviewCard>, AppError> {
    use crate::api::review_request::{claim_for_session, reviewer};
    let holding = match parse_slot_list(&holding) {
        Ok(holding) => holding,
        Err(error) => {
            // Who may not use the queue hears that first.
            reviewer(purpose).await?;
            return Err(AppError::respond(error));
        }
    };
    claim_for_session(&task, purpose, &holding)
        .await
        .map_err(AppError::respond)
}

/// Records an answer (or a skip) on a held item.
#[server(endpoint = "review/answer", input = Json)]
pub async fn answer_review(
    purpose: ReviewPurpose,
    answer: Answer,
) -> Result<AnswerOutcome, AppError> {
    use crate::api::review_request::answer_for_session;
    answer_for_session(purpose, answer)
        .await
        .map_err(AppError::respond)
}

/// Takes back the answer `client_id` (within the undo window) and returns its item to edit.
#[server(endpoint = "review/undo")]
pub async fn undo_review(
    purpose: ReviewPurpose,
    client_id: String,
) -> Result<ReviewCard, AppError> {
    use crate::api::review_request::reviewer;
    use crate::services::review::undo_answer;
    let (state, user) = reviewer(purpose).await?;
    undo_answer(&state, &user, purpose, &client_id)
        .await
        .map_err(AppError::respond)
}

/// Extends the holds on `slots` (comma-separated) while the page is open; returns those still held.
#[server(endpoint = "review/renew")]
pub async fn renew_review(purpose: ReviewPurpose, slots: String) -> Result<Vec<i64>, AppError> {
    use crate::api::review_request::reviewer;
    use crate::db;
    let (state, user) = reviewer(purpose).await?;
    let slots = parse_slot_list(&slots).map_err(AppError::respond)?;
    Ok(db::queue::review::renew(&state.pool, &slots, user.id, state.review.lease).await?)
}

/// Hands `slots` (comma-separated) back to the queue: the person left the page.
#[server(endpoint = "review/release")]
pub async fn release_review(purpose: ReviewPurpose, slots: String) -> Result<(), AppError> {
    use crate::api::review_request::reviewer;
    use crate::db;
    let (state, user) = reviewer(purpose).await?;
    let slots = parse_slot_list(&slots).map_err(AppError::respond)?;
    db::queue::review::release(&state.pool, &slots, user.id).await?;
    Ok(())
}
