//! The server side of the review server functions: who may use which queue, and the translation
//! between what the page sends and `db::review`.

use super::db::review::{self, Purpose, Submission, SubmitError, Submitted};
use super::db::review_card::Claimed;
use super::db::review_undo::{self, UndoError};
use super::{db, session, AppState};
use crate::api::auth::CurrentUser;
use crate::api::review::{Answer, AnswerOutcome, ReviewCard, ReviewPurpose};
use crate::domain::{Capability, Role};
use crate::AppError;
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

impl From<ReviewPurpose> for Purpose {
    fn from(purpose: ReviewPurpose) -> Self {
        match purpose {
            ReviewPurpose::Annotate => Purpose::Annotate,
            ReviewPurpose::Adjudicate => Purpose::Adjudicate,
        }
    }
}

/// What the `purpose` queue asks of a role.
fn capability(purpose: ReviewPurpose) -> Capability {
    match purpose {
        ReviewPurpose::Annotate => Capability::Annotate,
        ReviewPurpose::Adjudicate => Capability::Adjudicate,
    }
}

/// The state and the signed-in person, if they may work on the `purpose` queue.
pub async fn reviewer(purpose: ReviewPurpose) -> Result<(AppState, CurrentUser), AppError> {
    let user = session::require(capability(purpose)).await?;
    Ok((AppState::from_context()?, user))
}

/// Claims (or resumes) a slot of `task` for whoever is signed in, if they may work on the
/// `purpose` queue, and loads its card. The session and role are checked inside the claim
/// statement (one round trip in all); a refusal is then explained (401 or 403) by the usual
/// check.
pub async fn claim_for_session(
    task: &str,
    purpose: ReviewPurpose,
    holding: &[i64],
) -> Result<Option<ReviewCard>, AppError> {
    let state = AppState::from_context()?;
    let session = session::current_session().await?;
    if let Some(session_id) = session::session_id(&session).filter(|_| !session.is_modified()) {
        let roles: Vec<&'static str> = Role::ALL
            .into_iter()
            .filter(|role| role.can(capability(purpose)))
            .map(Role::as_str)
            .collect();
        let claimant = review::Claimant::Session {
            id: &session_id,
            roles: &roles,
        };
        match claim_card(&state, claimant, task, purpose, holding).await {
            Err(AppError::Unauthenticated) => {}
            other => return other,
        }
    }
    // Refused (or a session changed by this request): the usual check says why (401 or 403),
    // or, if the account changed meanwhile and now may, the claim goes ahead as it.
    let user = session::require(capability(purpose)).await?;
    claim_card(
        &state,
        review::Claimant::User(user.id),
        task,
        purpose,
        holding,
    )
    .await
}

/// Claims (or resumes) a slot of `task` for `claimant` and loads its card.
pub async fn claim_card(
    state: &AppState,
    claimant: review::Claimant<'_>,
    task: &str,
    purpose: ReviewPurpose,
    holding: &[i64],
) -> Result<Option<ReviewCard>, AppError> {
    let request = review::ClaimRequest {
        task: review::TaskRef::Name(task),
        claimant,
        purpose: purpose.into(),
        lease: state.review.lease,
        exclude: holding,
    };
    match db::review_card::claim(&state.pool, request).await? {
        Claimed::NotAllowed => Err(AppError::Unauthenticated),
        Claimed::NoSuchTask => Err(AppError::NotFound(format!("Task `{task}`"))),
        Claimed::Empty => Ok(None),
        Claimed::Card(card) => Ok(Some(*card)),
    }
}

/// Records `answer` for `user`.
pub async fn submit_answer(
    state: &AppState,
    user: &CurrentUser,
    purpose: ReviewPurpose,
    answer: Answer,
) -> Result<AnswerOutcome, AppError> {
    let submission = Submission {
        client_id: parse_client_id(&answer.client_id)?,
        slot_id: answer.slot_id,
        purpose: purpose.into(),
        user_id: user.id,
        labels: answer.labels,
        rationale: non_blank(answer.rationale),
        skip_reason: non_blank(answer.skip_reason),
        flagged: answer.flagged,
    };
    let outcome = review::submit(&state.pool, &submission)
        .await
        .map_err(|error| match error {
            SubmitError::UnknownSlot => AppError::NotFound("That review item".into()),
            SubmitError::Labels(error) => AppError::Invalid(error.to_string()),
            SubmitError::Database(error) => error.into(),
        })?;
    Ok(match outcome {
        Submitted::Counted { finished } => AnswerOutcome::Counted { finished },
        Submitted::Skipped => AnswerOutcome::Skipped,
        Submitted::Duplicate => AnswerOutcome::Duplicate,
        Submitted::TakenByOther => AnswerOutcome::TakenByOther,
    })
}

/// Retracts `client_id` and returns its item with the answer as a draft.
pub async fn undo_answer(
    state: &AppState,
    user: &CurrentUser,
    purpose: ReviewPurpose,
    client_id: &str,
) -> Result<ReviewCard, AppError> {
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
        refused => AppError::Conflict(capitalise(&refused.to_string())),
    })?;
    let mut card = db::review_card::load(&state.pool, reopened.slot_id, purpose)
        .await?
        .ok_or(AppError::Internal)?;
    card.draft = db::review_card::draft(&state.pool, client_id, user.id).await?;
    Ok(card)
}

fn parse_client_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text).map_err(|_| AppError::Invalid("client_id must be a UUID".into()))
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
