//! The review page's working state and what it does: the item on screen, the next one already
//! claimed (so it appears the moment an answer is given), the answer being composed, answers
//! still being saved, and the last answer (for undo).
//!
//! Answers are saved in the background, in order, each with its own client id: a network or
//! server failure is retried with growing pauses, and the page says so, so no answer is lost or
//! counted twice. Holds are renewed while the page is open and handed back when it closes.

use super::browser::{now_ms, random_uuid, send_beacon, sleep};
use crate::api::review::{answer_review, next_review, release_review, renew_review, undo_review};
use crate::domain::{AnswerOutcome, ReviewPurpose};
use crate::views::review::{slot_list, Answer, ReviewCard, TaskGuide};
use crate::AppError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use std::time::Duration;

/// Where the page is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Asking for an item.
    Loading,
    /// An item is on screen.
    Ready,
    /// Nothing left for this person.
    Empty,
    /// The queue could not be reached; the message says why.
    Failed(String),
}

/// A message in the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub tone: Tone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Warning,
    Error,
}

/// The last answer given, which `Z` can take back while the window lasts.
#[derive(Debug, Clone, PartialEq)]
struct LastAnswer {
    client_id: String,
    given_at_ms: f64,
    counted: bool,
}

/// Everything the review page's components share. `Copy`: all fields are reactive handles.
#[derive(Clone, Copy)]
pub struct Desk {
    pub guide: StoredValue<TaskGuide>,
    pub purpose: ReviewPurpose,
    pub phase: RwSignal<Phase>,
    pub current: RwSignal<Option<ReviewCard>>,
    next: RwSignal<Option<ReviewCard>>,
    /// A claim (for the screen or prefetch) is under way; the page runs one at a time.
    claiming: RwSignal<bool>,
    /// Criterion → chosen label value.
    pub labels: RwSignal<BTreeMap<String, String>>,
    pub rationale: RwSignal<String>,
    pub flagged: RwSignal<bool>,
    /// Answers sent but not yet acknowledged, oldest first.
    saving: RwSignal<Vec<Answer>>,
    last: RwSignal<Option<LastAnswer>>,
    pub notice: RwSignal<Option<Notice>>,
    /// The hold on the item on screen lapsed (the page slept, or the network was away).
    pub hold_lost: RwSignal<bool>,
    /// Answers counted in this visit.
    pub answered: RwSignal<u32>,
    /// The skip dialog is open.
    pub skipping: RwSignal<bool>,
    /// The shortcut list is open.
    pub help_open: RwSignal<bool>,
}

impl Desk {
    pub fn new(guide: TaskGuide, purpose: ReviewPurpose) -> Desk {
        Desk {
            guide: StoredValue::new(guide),
            purpose,
            phase: RwSignal::new(Phase::Loading),
            current: RwSignal::new(None),
            next: RwSignal::new(None),
            claiming: RwSignal::new(false),
            labels: RwSignal::new(BTreeMap::new()),
            rationale: RwSignal::new(String::new()),
            flagged: RwSignal::new(false),
            saving: RwSignal::new(Vec::new()),
            last: RwSignal::new(None),
            notice: RwSignal::new(None),
            hold_lost: RwSignal::new(false),
            answered: RwSignal::new(0),
            skipping: RwSignal::new(false),
            help_open: RwSignal::new(false),
        }
    }

    fn task(&self) -> String {
        self.guide.with_value(|g| g.task.clone())
    }

    /// Slot ids the page holds: on screen, prefetched, and being saved.
    fn holding(&self) -> Vec<i64> {
        let mut slots: Vec<i64> = self
            .current
            .with_untracked(|c| c.as_ref().map(|c| c.slot_id))
            .into_iter()
            .chain(self.next.with_untracked(|n| n.as_ref().map(|n| n.slot_id)))
            .collect();
        self.saving.with_untracked(|saving| {
            for answer in saving {
                if !slots.contains(&answer.slot_id) {
                    slots.push(answer.slot_id);
                }
            }
        });
        slots.truncate(crate::views::review::MAX_HELD_SLOTS);
        slots
    }

    /// Shows the first item; called once the page is live in the browser.
    pub fn start(self) {
        self.phase.set(Phase::Loading);
        self.load_next();
    }

    /// Puts `card` on screen with a fresh (or its drafted) answer.
    fn show(&self, card: ReviewCard) {
        let draft = card.draft.clone();
        self.labels
            .set(draft.as_ref().map(|d| d.labels.clone()).unwrap_or_default());
        self.rationale.set(
            draft
                .as_ref()
                .and_then(|d| d.rationale.clone())
                .unwrap_or_default(),
        );
        self.flagged.set(draft.is_some_and(|d| d.flagged));
        self.hold_lost.set(false);
        self.current.set(Some(card));
        self.phase.set(Phase::Ready);
    }

    /// Claims the item after the one on screen, unless it is already here or on its way.
    fn prefetch(self) {
        if self.next.with_untracked(Option::is_some) || self.claiming.get_untracked() {
            return;
        }
        self.claiming.set(true);
        spawn_local(async move {
            let holding = slot_list(&self.holding());
            let claimed = with_retries(self, || {
                next_review(self.task(), self.purpose, holding.clone())
            })
            .await;
            self.claiming.set(false);
            match claimed {
                // Already on screen: only a second claim of the page's own at once could bring
                // it back (see `advance`), so this is a safeguard.
                Ok(Some(card)) if Some(card.slot_id) == self.current_slot() => {}
                Ok(Some(card)) if self.phase.get_untracked() == Phase::Ready => {
                    self.next.set(Some(card))
                }
                // The person answered everything on screen while the claim was under way.
                Ok(Some(card)) => {
                    self.show(card);
                    self.prefetch();
                }
                Ok(None) if self.phase.get_untracked() == Phase::Loading => {
                    self.phase.set(Phase::Empty)
                }
                Ok(None) => {}
                Err(error) => self.say(Tone::Error, error.to_string()),
            }
        });
    }

    /// Moves on to the prefetched item (or waits for one). The page has at most one claim under
    /// way: two at once would not name each other's slot, and the server renews a slot its
    /// holder does not name, so both could bring back the same item.
    fn advance(self) {
        self.skipping.set(false);
        match self.next.try_update(Option::take).flatten() {
            Some(card) => {
                self.show(card);
                self.prefetch();
            }
            None => {
                self.current.set(None);
                self.phase.set(Phase::Loading);
                // The claim under way shows its item when it arrives; otherwise claim one, and
                // the next is prefetched once it is on screen.
                if !self.claiming.get_untracked() {
                    self.load_next();
                }
            }
        }
    }

    /// Claims an item for the empty screen (at the start, or when no item was prefetched).
    fn load_next(self) {
        self.claiming.set(true);
        spawn_local(async move {
            let holding = slot_list(&self.holding());
            let claimed = with_retries(self, || {
                next_review(self.task(), self.purpose, holding.clone())
            })
            .await;
            self.claiming.set(false);
            match claimed {
                Ok(Some(card)) => {
                    self.show(card);
                    self.prefetch();
                }
                Ok(None) => self.phase.set(Phase::Empty),
                Err(error) => self.phase.set(Phase::Failed(error.to_string())),
            }
        });
    }

    /// The criteria still without a label, in rubric order.
    pub fn missing(&self) -> Vec<String> {
        let labels = self.labels.get_untracked();
        self.guide.with_value(|g| {
            g.criteria
                .iter()
                .filter(|c| !labels.contains_key(&c.name))
                .map(|c| c.title.clone())
                .collect()
        })
    }

    /// Sends the composed answer and shows the next item at once.
    pub fn submit(self) {
        let Some(slot_id) = self.current_slot() else {
            return;
        };
        let missing = self.missing();
        if !missing.is_empty() {
            self.say(
                Tone::Warning,
                format!("Choose a label for {}.", missing.join(", ")),
            );
            return;
        }
        let answer = Answer {
            client_id: random_uuid(),
            slot_id,
            labels: Some(self.labels.get_untracked()),
            rationale: Some(self.rationale.get_untracked()),
            skip_reason: None,
            flagged: self.flagged.get_untracked(),
        };
        self.send(answer);
    }

    /// Skips the item on screen, with an optional reason.
    pub fn skip(self, reason: String) {
        let Some(slot_id) = self.current_slot() else {
            return;
        };
        let answer = Answer {
            client_id: random_uuid(),
            slot_id,
            labels: None,
            rationale: None,
            skip_reason: Some(reason),
            flagged: self.flagged.get_untracked(),
        };
        self.send(answer);
    }

    fn current_slot(&self) -> Option<i64> {
        if self.phase.get_untracked() != Phase::Ready {
            return None;
        }
        self.current
            .with_untracked(|c| c.as_ref().map(|c| c.slot_id))
    }

    fn send(self, answer: Answer) {
        let first_in_line = self.saving.with_untracked(Vec::is_empty);
        self.saving.update(|saving| saving.push(answer));
        self.advance();
        if first_in_line {
            spawn_local(self.drain_saving());
        }
    }

    /// Saves queued answers one after another, retrying each until the server has it.
    async fn drain_saving(self) {
        while let Some(answer) = self.saving.with_untracked(|s| s.first().cloned()) {
            let sent = with_retries(self, || answer_review(self.purpose, answer.clone())).await;
            self.saving.update(|saving| {
                saving.remove(0);
            });
            match sent {
                Ok(outcome) => {
                    if matches!(outcome, AnswerOutcome::Counted { .. }) {
                        self.answered.update(|n| *n += 1);
                    }
                    if matches!(
                        outcome,
                        AnswerOutcome::Counted { .. } | AnswerOutcome::Skipped
                    ) {
                        self.last.set(Some(LastAnswer {
                            client_id: answer.client_id.clone(),
                            given_at_ms: now_ms(),
                            counted: answer.labels.is_some(),
                        }));
                    }
                    let tone = match outcome {
                        AnswerOutcome::TakenByOther => Tone::Warning,
                        _ => Tone::Info,
                    };
                    self.say(tone, outcome.message().to_string());
                }
                Err(error) => self.say(Tone::Error, format!("Not saved: {error}")),
            }
        }
    }

    /// Takes back the last answer, if the window is still open, and shows its item again.
    pub fn undo(self) {
        if !self.saving.with_untracked(Vec::is_empty) {
            self.say(Tone::Warning, "Still saving; try again in a moment.".into());
            return;
        }
        let window_ms = self.guide.with_value(|g| g.undo_seconds) as f64 * 1000.0;
        let Some(last) = self
            .last
            .get_untracked()
            .filter(|last| now_ms() - last.given_at_ms < window_ms)
        else {
            self.say(Tone::Warning, "Nothing to undo.".into());
            return;
        };
        spawn_local(async move {
            match with_retries(self, || undo_review(self.purpose, last.client_id.clone())).await {
                Ok(card) => {
                    self.last.set(None);
                    if last.counted {
                        self.answered.update(|n| *n = n.saturating_sub(1));
                    }
                    // The item on screen becomes the next one; the prefetched one goes back.
                    if let Some(dropped) = self.next.try_update(Option::take).flatten() {
                        self.release(vec![dropped.slot_id]);
                    }
                    self.next.set(self.current.get_untracked());
                    self.show(card);
                    self.say(
                        Tone::Info,
                        "Undone: change your answer and submit again.".into(),
                    );
                }
                Err(error) => self.say(Tone::Warning, error.to_string()),
            }
        });
    }

    /// Renews the page's holds; notices when the one on screen has gone.
    pub fn renew(self) {
        let holding = self.holding();
        if holding.is_empty() {
            return;
        }
        spawn_local(async move {
            let Ok(held) = renew_review(self.purpose, slot_list(&holding)).await else {
                return;
            };
            let lost = |slot: Option<i64>| slot.is_some_and(|slot| !held.contains(&slot));
            if lost(
                self.current
                    .with_untracked(|c| c.as_ref().map(|c| c.slot_id)),
            ) {
                self.hold_lost.set(true);
            }
            if lost(self.next.with_untracked(|n| n.as_ref().map(|n| n.slot_id))) {
                self.next.set(None);
                self.prefetch();
            }
        });
    }

    fn release(&self, slots: Vec<i64>) {
        let purpose = self.purpose;
        spawn_local(async move {
            let _ = release_review(purpose, slot_list(&slots)).await;
        });
    }

    /// Hands back the items on screen and prefetched, when the person leaves the page. Uses a
    /// beacon, which the browser delivers even as the page is being closed.
    pub fn release_on_leave(&self) {
        let held: Vec<i64> = self
            .current
            .with_untracked(|c| c.as_ref().map(|c| c.slot_id))
            .into_iter()
            .chain(self.next.with_untracked(|n| n.as_ref().map(|n| n.slot_id)))
            .collect();
        if held.is_empty() {
            return;
        }
        let purpose = match self.purpose {
            ReviewPurpose::Annotate => "annotate",
            ReviewPurpose::Adjudicate => "adjudicate",
        };
        send_beacon(
            "/api/review/release",
            &[("purpose", purpose), ("slots", &slot_list(&held))],
        );
    }

    /// Whether answers are still waiting to be saved (the page warns before closing).
    pub fn unsaved(&self) -> bool {
        !self.saving.with_untracked(Vec::is_empty)
    }

    pub fn say(&self, tone: Tone, text: String) {
        self.notice.set(Some(Notice { text, tone }));
    }

    /// Chooses `label` for `criterion`.
    pub fn choose(&self, criterion: &str, label: &str) {
        self.labels.update(|labels| {
            labels.insert(criterion.to_string(), label.to_string());
        });
    }
}

/// Runs `call` until it succeeds or fails for a reason a retry cannot fix. Lost connections and
/// server errors are retried with growing pauses (up to 10 s), and the page says so.
async fn with_retries<T, F, Fut>(desk: Desk, mut call: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let mut attempt = 0u32;
    loop {
        match call().await {
            Err(AppError::Transport(_) | AppError::Internal) => {
                attempt += 1;
                let pause = Duration::from_millis((500u64 << attempt.min(5)).min(10_000));
                desk.say(
                    Tone::Warning,
                    format!(
                        "Connection problem: retrying in {} s (attempt {attempt}). Nothing you answered is lost.",
                        pause.as_secs().max(1)
                    ),
                );
                sleep(pause).await;
            }
            result => {
                if attempt > 0 {
                    desk.notice.set(None);
                }
                return result;
            }
        }
    }
}
