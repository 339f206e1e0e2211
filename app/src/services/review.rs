//! Human review's use cases for a person already identified (a checked user, or a session the
//! statement itself checks): claim a card, record an answer, undo one. The queue's guarantees
//! (leases, K distinct people, verdicts) are enforced in `db::queue::review`; this shapes what the page
//! sends and receives.

use super::AppState;
use super::ServiceError;
use crate::db;
use crate::db::queue::review::{self, Claimant, Submission, SubmitError};
use crate::db::review_card::Claimed;
use crate::db::review_undo::{self, UndoError};
use crate::domain::{AnswerOutcome, ReviewPurpose};
use crate::views::auth::CurrentUser;
use crate::views::review::{Answer, ReviewCard};
use std::collections::BTreeMap;
use uuid::Uuid;

/// How long holds last and how long an answer can be undone.
#[derive(Debug, Clone, Copy)]
pub struct ReviewSettings {
    pub lease: std::time::Duration,
    pub undo_window: std::time::Duration,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings {
            lease: std::time::Duration::from_secs(600),
            undo_window: std::time::Duration::from_secs(30),
        }
    }
}

/// Claims (or resumes) a slot of `task` for `claimant` and loads its card. A session claimant
/// that its statement refuses gets [`ServiceError::Refused`].
pub async fn claim_card(
    state: &AppState,
    claimant: Claimant<'_>,
    task: &str,
    purpose: ReviewPurpose,
    holding: &[i64],
) -> Result<Option<ReviewCard>, ServiceError> {
    let request = review::ClaimRequest {
        task,
        claimant,
        purpose,
        lease: state.review.lease,
        exclude: holding,
    };
    match db::review_card::claim(&state.pool, request).await? {
        Claimed::NotAllowed => Err(ServiceError::Refused),
        Claimed::NoSuchTask => Err(ServiceError::NotFound(format!("Task `{task}`"))),
        Claimed::Empty => Ok(None),
        Claimed::Card(card) => Ok(Some(*card)),
    }
}

/// An answer as the page sent it, checked: a UUID client id, blank texts as none.
#[derive(Debug, Clone)]
pub struct CheckedAnswer {
    pub client_id: Uuid,
    pub slot_id: i64,
    pub labels: Option<BTreeMap<String, String>>,
    pub rationale: Option<String>,
    pub skip_reason: Option<String>,
    pub flagged: bool,
}

impl CheckedAnswer {
    pub fn parse(answer: Answer) -> Result<Self, ServiceError> {
        Ok(CheckedAnswer {
            client_id: parse_client_id(&answer.client_id)?,
            slot_id: answer.slot_id,
            labels: answer.labels,
            rationale: non_blank(answer.rationale),
            skip_reason: non_blank(answer.skip_reason),
            flagged: answer.flagged,
        })
    }
}

/// Records `answer` on the `purpose` queue for `submitter`. A session submitter that its
/// statement refuses gets [`ServiceError::Refused`].
pub async fn record_answer(
    state: &AppState,
    submitter: Claimant<'_>,
    purpose: ReviewPurpose,
    answer: &CheckedAnswer,
) -> Result<AnswerOutcome, ServiceError> {
    let submission = Submission {
        client_id: answer.client_id,
        slot_id: answer.slot_id,
        purpose,
        submitter,
        labels: answer.labels.clone(),
        rationale: answer.rationale.clone(),
        skip_reason: answer.skip_reason.clone(),
        flagged: answer.flagged,
    };
    review::submit(&state.pool, &submission)
        .await
        .map_err(|error| match error {
            SubmitError::UnknownSlot => ServiceError::NotFound("That review item".into()),
            SubmitError::NotAllowed => ServiceError::Refused,
            SubmitError::NotHeld => ServiceError::Conflict(
                "This item was not handed to you; take the next one from the queue.".into(),
            ),
            SubmitError::Labels(error) => ServiceError::Invalid(error.to_string()),
            SubmitError::Database(error) => error.into(),
        })
}

/// Retracts `client_id` and returns its item with the answer as a draft.
pub async fn undo_answer(
    state: &AppState,
    user: &CurrentUser,
    purpose: ReviewPurpose,
    client_id: &str,
) -> Result<ReviewCard, ServiceError> {
    let client_id = parse_client_id(client_id)?;
    let reopened = review_undo::undo(
        &state.pool,
        client_id,
        user.id,
        state.review.undo_window,
        state.review.lease,
    )
    .await
    .map_err(|error| match error {
        UndoError::Database(error) => error.into(),
        refused => ServiceError::Conflict(capitalise(&refused.to_string())),
    })?;
    let mut card = db::review_card::load(&state.pool, reopened.slot_id, purpose)
        .await?
        .ok_or_else(|| {
            ServiceError::Internal(format!("undone slot {} has no card", reopened.slot_id))
        })?;
    card.draft = db::review_card::draft(&state.pool, client_id, user.id).await?;
    Ok(card)
}

fn parse_client_id(text: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(text).map_err(|_| ServiceError::Invalid("client_id must be a UUID".into()))
}

fn non_blank(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

fn capitalise(sentence: &str) -> String {
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}
