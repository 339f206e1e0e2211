//! Who is signed in, as pages see it, and the sign-in rules the page and the server share
//! (the throttle, the one message for any failed sign-in, a safe redirect target).

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

/// Failed sign-ins for one address within [`THROTTLE_WINDOW_SECS`] before further attempts are
/// refused (until the oldest of them is that old).
pub const THROTTLE_FAILURES: i64 = 5;

pub const THROTTLE_WINDOW_SECS: u64 = 15 * 60;

/// `next` if it is a path on this site, else `/`: a sign-in link must not redirect elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn a_local_path_is_kept() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
    }

    #[test]
    fn other_sites_and_protocol_relative_urls_go_home() {
        for next in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(next)), "/", "{next}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
