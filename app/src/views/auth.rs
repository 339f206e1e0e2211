//! Who is signed in, as pages see it, and the one message for any failed sign-in.

use crate::domain::Role;
use serde::{Deserialize, Serialize};

/// The signed-in account, as pages see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// The message for any failed sign-in: it never says whether the e-mail address exists.
pub const WRONG_CREDENTIALS: &str = "Wrong e-mail address or password.";
