//! Who is asking on the review queues: the signed-in person and their role, checked inside the
//! claim's or answer's own first statement on the hot path, with one fallback that says why a
//! refusal happened.

use super::request;
use crate::db::queue::review::Claimant;
use crate::domain::{AnswerOutcome, ReviewPurpose, Role};
use crate::services::review::{self as review_service, CheckedAnswer};
use crate::services::{session, AppState, ServiceError, ServiceResult};
use crate::views::auth::CurrentUser;
use crate::views::review::{Answer, ReviewCard};
use crate::AppError;

/// The state and the signed-in person, if they may work on the `purpose` queue.
pub async fn reviewer(purpose: ReviewPurpose) -> Result<(AppState, CurrentUser), AppError> {
    let user = request::require(purpose.capability()).await?;
    Ok((request::state()?, user))
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
    fn claimant(&self) -> Claimant<'_> {
        match self {
            SignedIn::Session { id, roles } => Claimant::Session { id, roles },
            SignedIn::User(id) => Claimant::User(*id),
        }
    }
}

/// Runs `work` for whoever is signed in, if they may work on the `purpose` queue. The session
/// and role are checked inside `work`'s own first statement, as a [`Claimant::Session`] (a
/// round trip saved on the hot path); `work` answers [`ServiceError::Refused`] when that check
/// refuses. The usual check then says why (401 or 403), or, if the account changed
/// meanwhile and now may, `work` runs again as that person.
async fn as_signed_in<T, Work>(
    purpose: ReviewPurpose,
    work: impl Fn(SignedIn) -> Work,
) -> Result<T, AppError>
where
    Work: std::future::Future<Output = ServiceResult<T>>,
{
    let session = request::current_session().await?;
    // A session this request changed is not in the table yet: the usual check reads it.
    if let Some(id) = session::session_id(&session).filter(|_| !session.is_modified()) {
        let roles = Role::ALL
            .into_iter()
            .filter(|role| role.can(purpose.capability()))
            .map(Role::as_str)
            .collect();
        match work(SignedIn::Session { id, roles }).await {
            Err(ServiceError::Refused) => {}
            other => return Ok(other?),
        }
    }
    let user = request::require(purpose.capability()).await?;
    Ok(work(SignedIn::User(user.id)).await?)
}

/// Claims (or resumes) a slot of `task` for whoever is signed in, if they may work on the
/// `purpose` queue, and loads its card: one round trip in all.
pub async fn claim_for_session(
    task: &str,
    purpose: ReviewPurpose,
    holding: &[i64],
) -> Result<Option<ReviewCard>, AppError> {
    let state = request::state()?;
    let state = &state;
    as_signed_in(purpose, |signed_in| async move {
        review_service::claim_card(state, signed_in.claimant(), task, purpose, holding).await
    })
    .await
}

/// Records `answer` for whoever is signed in, if they may work on the `purpose` queue.
pub async fn answer_for_session(
    purpose: ReviewPurpose,
    answer: Answer,
) -> Result<AnswerOutcome, AppError> {
    let state = request::state()?;
    let answer = match CheckedAnswer::parse(answer) {
        Ok(answer) => answer,
        Err(error) => {
            // Who may not use the queue hears that first.
            request::require(purpose.capability()).await?;
            return Err(error.into());
        }
    };
    let (state, answer) = (&state, &answer);
    as_signed_in(purpose, |signed_in| async move {
        review_service::record_answer(state, signed_in.claimant(), purpose, answer).await
    })
    .await
}
