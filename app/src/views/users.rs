//! The admin's list of accounts.

use crate::domain::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One account as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
}
