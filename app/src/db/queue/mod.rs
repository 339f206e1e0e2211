//! The three lease queues, side by side, in one vocabulary. Each hands units of work to whoever
//! asks, under a **lease**: a holder and an expiry (`lease_expires_at`). Nothing is locked while
//! the work is done; a holder that stops (a closed tab, a killed process) simply lets its lease
//! **lapse**, and the next claim takes the unit over.
//!
//! | queue | unit | holder | table |
//! |---|---|---|---|
//! | [`review`] | a slot: one answer an item needs | a person (`user_id`) | `review_slots` |
//! | [`judge`] | an item to judge | a worker process (`lease_owner`) | `items` |
//! | [`export`] | an export job | a web or worker process (`lease_owner`) | `exports` |
//!
//! The verbs are the same in each:
//! - **claim** — take the next free unit, or one whose lease lapsed, with `FOR UPDATE SKIP
//!   LOCKED`, so concurrent claims never get the same unit and never wait for each other;
//! - **renew** — push the expiry of units still held (the heartbeat); a unit taken over
//!   meanwhile is not renewed, and the holder learns it;
//! - **release** — hand held units back unfinished (leaving a page, shutting down);
//! - **finish** — the unit's result, written only if the unit is still the holder's (or, for a
//!   review slot, one of its earlier holders'): [`review::submit`], [`judge::record`],
//!   [`export::finish`]; and **fail** where a unit can fail ([`judge::fail`],
//!   [`export::fail`]; a judged item may also wait, [`judge::retry_later`]).
//!
//! Leases are given as a [`std::time::Duration`] and written as `now() + make_interval(secs =>
//! …)`, so every process measures them on the database's clock.

pub mod export;
pub mod judge;
pub mod review;
