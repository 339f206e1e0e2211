//! The admin's API tokens as listed, and a newly created one (its secret shown once).

use crate::domain::{Role, TokenStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One token as the admin sees it; never the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The first characters after `cjt_`.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub status: TokenStatus,
}

/// A token just created: the only time its secret leaves the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub expires_at: Option<DateTime<Utc>>,
    pub secret: String,
}
