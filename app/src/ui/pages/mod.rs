//! One module per page.

pub mod admin_tokens;
pub mod admin_users;
pub mod errors;
pub mod export;
pub mod home;
pub mod login;
pub mod metrics;
pub mod my_work;
pub mod operations;
pub mod task_settings;
