//! All SQL of the app, in small functions that take a pool, connection or transaction.
//! Row types here are separate from the serialisable types sent to the browser.

pub mod agreement;
pub mod annotators;
pub mod audit;
pub mod exports;
pub mod login_throttle;
pub mod my_work;
pub mod operations;
pub mod review;
pub mod review_card;
pub mod review_submit;
pub mod review_undo;
pub mod task_settings;
pub mod tasks;
pub mod tokens;
pub mod users;
