//! All SQL of the app, in small functions that take a pool, connection or transaction.
//! Row types here are separate from the serialisable types sent to the browser.

pub mod admin;
pub mod agreement;
pub mod annotators;
pub mod audit;
pub mod evaluations;
pub mod exports;
pub mod items;
pub mod judge_queue;
pub mod login_throttle;
pub mod my_work;
pub mod operations;
pub mod probes;
pub mod rerun;
pub mod review;
pub mod review_card;
pub mod review_submit;
pub mod review_undo;
pub mod sampler;
pub mod sessions;
pub mod task_settings;
pub mod tasks;
pub mod tokens;
pub mod users;
