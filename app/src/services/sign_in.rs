//! Signing in with an e-mail address and a password: the throttles, the cap on password checks
//! running at once, and where a sign-in link may lead afterwards.
//!
//! Every attempt is recorded before its password is checked and counted right after
//! ([`db::login_throttle::record_attempt`]), so simultaneous guesses cannot all slip under a
//! limit. An attempt is refused, before any password is checked, when within the window
//! - its address has [`Limits::per_pair`] attempts from its client IP,
//! - its client IP has [`Limits::per_client`] failures for any addresses (failures only: people
//!   behind one office address sign in at once; this limit may overshoot by the attempts in
//!   flight), or
//! - its address has [`Limits::per_address`] attempts from anywhere, unless its client IP has
//!   not failed for the address: so a guesser elsewhere cannot lock a person out.

use super::password::{self, Busy};
use super::{AppState, ServiceError};
use crate::db;
use crate::db::login_throttle::RecentAttempts;
use crate::domain::{Email, MAX_EMAIL_LENGTH};
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use std::time::Duration;

/// The client's IP address, which the web layer puts on every request: the peer's, or, behind
/// trusted proxies, the `X-Forwarded-For` entry the outermost of them added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The throttle's limits: attempts within `window` (the attempt being judged included).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub window: Duration,
    /// For one address from one client IP.
    pub per_pair: i64,
    /// Failures from one client IP, any addresses (one office behind one address signs in
    /// from it).
    pub per_client: i64,
    /// For one address from anywhere; an IP that has not failed for it still gets through.
    pub per_address: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            window: Duration::from_secs(15 * 60),
            per_pair: 5,
            per_client: 50,
            per_address: 20,
        }
    }
}

/// What became of a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    SignedIn {
        user_id: i64,
    },
    /// Wrong address or password, or a disabled account (the same answer for each).
    Refused,
    /// Too many recent attempts; no password was checked. Try again in this many seconds.
    Throttled {
        retry_after_secs: u64,
    },
    /// Too many password checks are running in this process; try again in a moment.
    Busy,
}

/// The address as typed, as it is counted, logged and stored: trimmed, lower-cased and cut to
/// the longest valid length, whatever was sent.
pub fn typed_address(raw: &str) -> String {
    raw.trim()
        .chars()
        .take(MAX_EMAIL_LENGTH)
        .collect::<String>()
        .to_lowercase()
}

/// Checks `password` for the address typed as `email`, from `client_ip`, under `limits`.
pub async fn check(
    state: &AppState,
    email: &str,
    password: String,
    client_ip: IpAddr,
    limits: Limits,
) -> Result<SignInOutcome, ServiceError> {
    let typed = typed_address(email);
    let attempts =
        db::login_throttle::record_attempt(&state.pool, &typed, client_ip, limits.window).await?;
    if let Some(retry_after_secs) = throttled(&attempts, limits, Utc::now()) {
        db::login_throttle::forget_attempt(&state.pool, attempts.attempt_id).await?;
        tracing::warn!(email = %typed, %client_ip, "sign-in throttled");
        return Ok(SignInOutcome::Throttled { retry_after_secs });
    }
    let parsed = Email::parse(&typed).ok();
    let credentials = match &parsed {
        Some(email) => db::users::credentials(&state.pool, email).await?,
        None => None,
    };
    let (user_id, hash, disabled) = match credentials {
        Some(c) => (Some(c.user_id), Some(c.password_hash), c.disabled),
        None => (None, None, false),
    };
    let verified = match password::verify_queued(password, hash).await {
        Ok(verified) => verified,
        Err(Busy) => {
            db::login_throttle::forget_attempt(&state.pool, attempts.attempt_id).await?;
            tracing::warn!(email = %typed, %client_ip, "sign-in refused: password checks busy");
            return Ok(SignInOutcome::Busy);
        }
    };
    match user_id.filter(|_| verified && !disabled) {
        Some(user_id) => {
            db::login_throttle::succeeded(&state.pool, attempts.attempt_id, &typed, client_ip)
                .await?;
            Ok(SignInOutcome::SignedIn { user_id })
        }
        None => {
            db::login_throttle::failed(&state.pool, attempts.attempt_id).await?;
            tracing::info!(email = %typed, %client_ip, "sign-in refused");
            Ok(SignInOutcome::Refused)
        }
    }
}

/// Seconds until `attempts` frees up, if one of the limits is reached (the counts hold this
/// attempt, so a limit of 5 lets the 5th through and refuses the 6th).
fn throttled(attempts: &RecentAttempts, limits: Limits, now: DateTime<Utc>) -> Option<u64> {
    let wait = |oldest: Option<DateTime<Utc>>| {
        let window = chrono::Duration::from_std(limits.window).unwrap_or(chrono::Duration::MAX);
        let free_at = oldest.unwrap_or(now) + window;
        (free_at - now).num_seconds().max(1) as u64
    };
    // Only this attempt: the client IP has not tried this address within the window.
    let fresh_client = attempts.pair <= 1;
    if attempts.pair > limits.per_pair {
        Some(wait(attempts.pair_oldest))
    } else if attempts.client >= limits.per_client {
        Some(wait(attempts.client_oldest))
    } else if attempts.address > limits.per_address && !fresh_client {
        Some(wait(attempts.address_oldest))
    } else {
        None
    }
}

/// `next` if it is a path on this site, else `/`: a sign-in link must not lead elsewhere. The
/// path is resolved as a browser would against the site and kept only if the origin stays the
/// same and its path does not begin `//` (`/a/..//evil.example` resolves to one, which a browser
/// reads as another host); control characters (a browser drops a tab or newline, turning
/// `/\t/evil.example` into `//evil.example`) and backslashes (read as slashes) are refused.
pub fn safe_next(next: Option<&str>) -> String {
    let home = || "/".to_owned();
    let Some(next) = next else { return home() };
    if !next.starts_with('/') || next.chars().any(|c| c.is_control() || c == '\\') {
        return home();
    }
    let site = url::Url::parse("http://site.invalid/").expect("a valid base URL");
    match site.join(next) {
        Ok(target) if target.origin() == site.origin() && !target.path().starts_with("//") => {
            target[url::Position::BeforePath..].to_owned()
        }
        _ => home(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempts(pair: i64, client: i64, address: i64) -> RecentAttempts {
        let at = Some(Utc::now() - chrono::Duration::minutes(10));
        RecentAttempts {
            attempt_id: 1,
            pair,
            pair_oldest: at,
            address,
            address_oldest: at,
            client,
            client_oldest: at,
        }
    }

    #[test]
    fn the_fifth_attempt_of_a_pair_passes_and_the_sixth_waits_for_the_oldest_to_expire() {
        let limits = Limits::default();
        let now = Utc::now();
        assert_eq!(throttled(&attempts(5, 5, 5), limits, now), None);
        let wait = throttled(&attempts(6, 6, 6), limits, now).unwrap();
        assert!((299..=301).contains(&wait), "{wait}");
    }

    #[test]
    fn one_client_trying_many_addresses_is_stopped() {
        // The client count holds failures only (not this attempt): the 51st try is refused.
        assert!(throttled(&attempts(1, 50, 1), Limits::default(), Utc::now()).is_some());
        assert!(throttled(&attempts(1, 49, 1), Limits::default(), Utc::now()).is_none());
    }

    #[test]
    fn an_address_under_attack_still_lets_a_client_through_that_has_not_failed_for_it() {
        let limits = Limits::default();
        assert_eq!(throttled(&attempts(1, 1, 500), limits, Utc::now()), None);
        assert!(throttled(&attempts(2, 2, 500), limits, Utc::now()).is_some());
    }

    #[test]
    fn the_typed_address_is_cut_to_the_longest_valid_length() {
        let long = format!("  {}@Example.org", "A".repeat(10_000));
        let typed = typed_address(&long);
        assert_eq!(typed.chars().count(), MAX_EMAIL_LENGTH);
        assert!(typed.starts_with("aaa"));
    }

    #[test]
    fn a_local_path_is_kept() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
        assert_eq!(safe_next(Some("/review/tag#top")), "/review/tag#top");
        assert_eq!(safe_next(Some("/a/../metrics")), "/metrics");
    }

    #[test]
    fn other_sites_control_characters_and_backslashes_go_home() {
        for next in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\u{0}/evil.example",
            "/\u{7f}/evil.example",
            "\t//evil.example",
            "/%5C/evil.example/../..//x",
            "/a/..//evil.example",
            "/./%2e%2e//evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            let target = safe_next(Some(next));
            assert!(
                target == "/" || (target.starts_with('/') && !target.starts_with("//")),
                "{next:?} → {target:?}"
            );
            assert!(
                !target.contains("evil.example") || target.starts_with("/%"),
                "{next:?}"
            );
        }
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn encoded_slashes_stay_a_path_on_this_site() {
        assert_eq!(
            safe_next(Some("/%2F%2Fevil.example")),
            "/%2F%2Fevil.example"
        );
        assert_eq!(safe_next(Some("/%09/evil.example")), "/%09/evil.example");
    }
}
