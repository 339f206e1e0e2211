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

/// Who `work` in [`as_signed_in`] acts for: a session, checked by `work`'s own statement, or a
/// person already checked.
enum SignedIn {
    Session {
        id: String,
        roles: Vec<&'static str>,
    },
    User(i64),
}

impl SignedIn {
    fn claimant(&self) -> review::Claimant<'_> {
        match self {
            SignedIn::Session { id, roles } => review::Claimant::Session { id, roles },
            SignedIn::User(id) => review::Claimant::User(*id),
        }
    }
}

/// Runs `work` for whoever is signed in, if they may work on the `purpose` queue. The session
/// and role are checked inside `work`'s own first statement, as a [`review::Claimant::Session`]
/// (a round trip saved on the hot path); `work` answers [`AppError::Unauthenticated`] when that
/// check refuses. The usual check then says why (401 or 403), or, if the account changed
/// meanwhile and now may, `work` runs again as that person.
async fn as_signed_in<T, Work>(
    purpose: ReviewPurpose,
    work: impl Fn(SignedIn) -> Work,
) -> Result<T, AppError>
where
    Work: std::future::Future<Output = Result<T, AppError>>,
{
    let session = session::current_session().await?;
    // A session this request changed is not in the table yet: the usual check reads it.
    if let Some(id) = session::session_id(&session).filter(|_| !session.is_modified()) {
        let roles = Role::ALL
            .into_iter()
            .filter(|role| role.can(capability(purpose)))
            .map(Role::as_str)
            .collect();
        match work(SignedIn::Session { id, roles }).await {
            Err(AppError::Unauthenticated) => {}
            other => return other,
        }
    }
    let user = session::require(capability(purpose)).await?;
    work(SignedIn::User(user.id)).await
}

/// Claims (or resumes) a slot of `task` for whoever is signed in, if they may work on the
/// `purpose` queue, and loads its card: one round trip in all.
pub async fn claim_for_session(
    task: &str,
    purpose: ReviewPurpose,
    holding: &[i64],
) -> Result<Option<ReviewCard>, AppError> {
    let state = AppState::from_context()?;
    let state = &state;
    as_signed_in(purpose, |signed_in| async move {
        claim_card(state, signed_in.claimant(), task, purpose, holding).await
    })
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

/// Records `answer` for whoever is signed in, if they may work on the `purpose` queue.
pub async fn answer_for_session(
    purpose: ReviewPurpose,
    answer: Answer,
) -> Result<AnswerOutcome, AppError> {
    let state = AppState::from_context()?;
    let client_id = match parse_client_id(&answer.client_id) {
        Ok(client_id) => client_id,
        Err(error) => {
            // Who may not use the queue hears that first.
            session::require(capability(purpose)).await?;
            return Err(error);
        }
    };
    let (rationale, skip_reason) = (non_blank(answer.rationale), non_blank(answer.skip_reason));
    let (state, labels) = (&state, &answer.labels);
    let (rationale, skip_reason) = (&rationale, &skip_reason);
    as_signed_in(purpose, |signed_in| async move {
        let submission = Submission {
            client_id,
            slot_id: answer.slot_id,
            purpose: purpose.into(),
            submitter: signed_in.claimant(),
            labels: labels.clone(),
            rationale: rationale.clone(),
            skip_reason: skip_reason.clone(),
            flagged: answer.flagged,
        };
        submit(state, &submission).await
    })
    .await
}

/// Records `submission`.
async fn submit(state: &AppState, submission: &Submission<'_>) -> Result<AnswerOutcome, AppError> {
    let outcome = review::submit(&state.pool, submission)
        .await
        .map_err(|error| match error {
            SubmitError::UnknownSlot => AppError::NotFound("That review item".into()),
            SubmitError::NotAllowed => AppError::Unauthenticated,
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
