//! API tokens as text: their format, the prefix shown in lists, the `Authorization: Bearer`
//! header, names, roles, expiry and status. No randomness or I/O here: the server draws the
//! characters (from the OS) and passes them in.

use super::Role;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What every token starts with, so a leaked one is easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "cjt_";
/// Random characters after [`TOKEN_PREFIX`]: 40 base62 characters are about 238 bits.
pub const SECRET_LENGTH: usize = 40;
/// Characters of the random part shown in lists to tell tokens apart.
pub const DISPLAY_PREFIX_LENGTH: usize = 8;
/// The characters the random part is drawn from (base62).
pub const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A whole token, `cjt_` and 40 base62 characters. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

/// The presented text is not a cojudge token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a cojudge API token (expected `cjt_` and 40 letters and digits)")]
pub struct MalformedToken;

impl TokenSecret {
    /// A new token whose characters are chosen by `pick(n)`, which must return a uniformly
    /// random index below `n` (the server uses the operating system's generator).
    pub fn generate_with(mut pick: impl FnMut(usize) -> usize) -> TokenSecret {
        let body: String = (0..SECRET_LENGTH)
            .map(|_| ALPHABET[pick(ALPHABET.len()) % ALPHABET.len()] as char)
            .collect();
        TokenSecret(format!("{TOKEN_PREFIX}{body}"))
    }

    /// Checks the format only; whether the token exists is the database's business.
    pub fn parse(raw: &str) -> Result<TokenSecret, MalformedToken> {
        let body = raw.strip_prefix(TOKEN_PREFIX).ok_or(MalformedToken)?;
        if body.len() == SECRET_LENGTH && body.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(TokenSecret(raw.to_string()))
        } else {
            Err(MalformedToken)
        }
    }

    /// The whole token, to show once or to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first characters after `cjt_`, stored to tell tokens apart in lists.
    pub fn display_prefix(&self) -> &str {
        &self.0[TOKEN_PREFIX.len()..TOKEN_PREFIX.len() + DISPLAY_PREFIX_LENGTH]
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSecret({TOKEN_PREFIX}{}…)", self.display_prefix())
    }
}

/// Why an `Authorization` header does not carry a usable token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    #[error("send the token as `Authorization: Bearer cjt_…`")]
    Missing,
    #[error(transparent)]
    Malformed(#[from] MalformedToken),
}

/// The token in an `Authorization` header value, `Bearer cjt_…` (the scheme is
/// case-insensitive, as RFC 7235 says).
pub fn parse_bearer(header_value: &str) -> Result<TokenSecret, BearerError> {
    let (scheme, credentials) = header_value
        .trim()
        .split_once(' ')
        .ok_or(BearerError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    Ok(TokenSecret::parse(credentials.trim())?)
}

/// Why a token name, role or expiry is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenInputError {
    #[error("a token name needs 1 to 64 letters, digits, `.`, `_` or `-`, got `{0}`")]
    BadName(String),
    #[error("a token's role is trainer or admin, not `{0}`")]
    BadRole(String),
    #[error("`{0}` is not an expiry: use a duration like 30d or 12h, or a date like 2027-01-31")]
    BadExpiry(String),
    #[error("the expiry {0} is not in the future")]
    ExpiryPassed(String),
    #[error("the expiry {0} is too far off: a token lasts at most {MAX_TOKEN_DAYS} days (omit the expiry for one that never expires)")]
    ExpiryTooFar(String),
}

/// The longest a token with an expiry may last, in days (about ten years).
pub const MAX_TOKEN_DAYS: i64 = 3_653;

/// A token's name: what people call it in lists, logs and `cojudge token revoke NAME`.
pub fn parse_name(raw: &str) -> Result<String, TokenInputError> {
    let name = raw.trim();
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(TokenInputError::BadName(name.to_string()))
    }
}

/// A token's role: tokens import and export data (trainer) or administer (admin); people review.
pub fn parse_role(raw: &str) -> Result<Role, TokenInputError> {
    match raw.parse::<Role>() {
        Ok(role @ (Role::Trainer | Role::Admin)) => Ok(role),
        _ => Err(TokenInputError::BadRole(raw.trim().to_string())),
    }
}

/// When a token expires: `30d` or `12h` from `now`, a date (the token works through that whole
/// day, UTC), or an RFC 3339 time, at most [`MAX_TOKEN_DAYS`] ahead. Empty means never.
pub fn parse_expiry(
    raw: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, TokenInputError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || TokenInputError::BadExpiry(text.to_string());
    let too_far = || TokenInputError::ExpiryTooFar(text.to_string());
    // A number of days or hours ahead; any count too big for a date is too far.
    let ahead = |count: &str, unit: fn(i64) -> Option<Duration>| {
        let count = count.parse::<u64>().map_err(|_| bad())?;
        let span = i64::try_from(count)
            .ok()
            .and_then(unit)
            .ok_or_else(too_far)?;
        now.checked_add_signed(span).ok_or_else(too_far)
    };
    let at = if let Some(days) = text.strip_suffix('d') {
        ahead(days, Duration::try_days)?
    } else if let Some(hours) = text.strip_suffix('h') {
        ahead(hours, Duration::try_hours)?
    } else if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let next_day = date.succ_opt().ok_or_else(bad)?;
        next_day.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc()
    } else {
        DateTime::parse_from_rfc3339(text)
            .map_err(|_| bad())?
            .with_timezone(&Utc)
    };
    if at <= now {
        return Err(TokenInputError::ExpiryPassed(text.to_string()));
    }
    if at > now + Duration::days(MAX_TOKEN_DAYS) {
        return Err(too_far());
    }
    Ok(Some(at))
}

/// Whether a token still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    /// The status at `now`: revocation wins over expiry.
    pub fn at(
        revoked_at: Option<DateTime<Utc>>,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> TokenStatus {
        match (revoked_at, expires_at) {
            (Some(_), _) => TokenStatus::Revoked,
            (None, Some(expiry)) if expiry <= now => TokenStatus::Expired,
            _ => TokenStatus::Active,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TokenStatus::Active => "active",
            TokenStatus::Expired => "expired",
            TokenStatus::Revoked => "revoked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-25T10:00:00Z".parse().unwrap()
    }

    fn counting() -> impl FnMut(usize) -> usize {
        let mut i = 0;
        move |_| {
            i += 1;
            i
        }
    }

    #[test]
    fn a_generated_token_is_cjt_and_forty_base62_characters() {
        let token = TokenSecret::generate_with(counting());
        assert_eq!(token.expose().len(), 4 + 40);
        assert!(token.expose().starts_with("cjt_"));
        assert_eq!(TokenSecret::parse(token.expose()), Ok(token.clone()));
        assert_eq!(token.display_prefix(), "BCDEFGHI");
    }

    #[test]
    fn debug_output_never_shows_the_whole_secret() {
        let token = TokenSecret::generate_with(counting());
        let shown = format!("{token:?}");
        assert!(!shown.contains(token.expose()), "{shown}");
        assert!(shown.contains("BCDEFGHI"));
    }

    #[test]
    fn texts_that_are_not_tokens_are_malformed() {
        let body = "a".repeat(40);
        for bad in [
            "".to_string(),
            body.clone(),
            format!("cjx_{body}"),
            format!("cjt_{}", "a".repeat(39)),
            format!("cjt_{}", "a".repeat(41)),
            format!("cjt_{}-", "a".repeat(39)),
            format!("cjt_{}é", "a".repeat(38)),
        ] {
            assert_eq!(TokenSecret::parse(&bad), Err(MalformedToken), "{bad}");
        }
    }

    #[test]
    fn a_bearer_header_yields_its_token_whatever_the_scheme_case() {
        let token = format!("cjt_{}", "Ab1".repeat(13) + "x");
        for header in [format!("Bearer {token}"), format!("bearer  {token} ")] {
            assert_eq!(parse_bearer(&header).unwrap().expose(), token);
        }
    }

    #[test]
    fn other_schemes_are_missing_tokens_and_bad_tokens_are_malformed() {
        assert_eq!(parse_bearer("Basic YTpi"), Err(BearerError::Missing));
        assert_eq!(parse_bearer("Bearer"), Err(BearerError::Missing));
        assert_eq!(
            parse_bearer("Bearer cjt_short"),
            Err(BearerError::Malformed(MalformedToken))
        );
    }

    #[test]
    fn names_are_short_words_without_spaces() {
        assert_eq!(parse_name(" import-bot.v2_a ").unwrap(), "import-bot.v2_a");
        for bad in ["", "two words", "ümlaut", &"x".repeat(65)] {
            assert!(
                matches!(parse_name(bad), Err(TokenInputError::BadName(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn only_trainer_and_admin_tokens_exist() {
        assert_eq!(parse_role("Trainer"), Ok(Role::Trainer));
        assert_eq!(parse_role("admin"), Ok(Role::Admin));
        for bad in ["annotator", "reviewer", "root"] {
            let err = parse_role(bad).unwrap_err();
            assert!(err.to_string().contains("trainer or admin"), "{err}");
        }
    }

    #[test]
    fn expiry_durations_count_from_now() {
        assert_eq!(
            parse_expiry("30d", now()).unwrap(),
            Some("2026-12-25T10:00:00Z".parse().unwrap())
        );
        assert_eq!(
            parse_expiry("12h", now()).unwrap(),
            Some("2026-11-25T22:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn an_expiry_date_lasts_through_that_day() {
        assert_eq!(
            parse_expiry("2027-01-31", now()).unwrap(),
            Some("2027-02-01T00:00:00Z".parse().unwrap())
        );
        assert_eq!(
            parse_expiry("2027-01-31T12:00:00+01:00", now()).unwrap(),
            Some("2027-01-31T11:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn no_expiry_means_never_and_nonsense_or_the_past_is_refused() {
        assert_eq!(parse_expiry("  ", now()), Ok(None));
        for bad in ["soon", "d", "-3d", "30m", "2027-02-30"] {
            assert!(
                matches!(parse_expiry(bad, now()), Err(TokenInputError::BadExpiry(_))),
                "{bad}"
            );
        }
        for past in ["0d", "2026-01-01"] {
            assert!(
                matches!(
                    parse_expiry(past, now()),
                    Err(TokenInputError::ExpiryPassed(_))
                ),
                "{past}"
            );
        }
    }

    #[test]
    fn an_expiry_too_far_off_is_refused_not_overflowed() {
        for far in [
            "99999999d",
            "18446744073709551615d",
            "99999999999999h",
            "3654d",
            "2099-01-01",
        ] {
            assert!(
                matches!(
                    parse_expiry(far, now()),
                    Err(TokenInputError::ExpiryTooFar(_))
                ),
                "{far}"
            );
        }
        assert!(parse_expiry("3653d", now()).unwrap().is_some());
        assert!(matches!(
            parse_expiry("184467440737095516150d", now()),
            Err(TokenInputError::BadExpiry(_))
        ));
    }

    #[test]
    fn revocation_wins_over_expiry_and_expiry_is_exclusive() {
        let earlier = Some(now() - Duration::hours(1));
        assert_eq!(TokenStatus::at(None, None, now()), TokenStatus::Active);
        assert_eq!(
            TokenStatus::at(None, Some(now()), now()),
            TokenStatus::Expired
        );
        assert_eq!(
            TokenStatus::at(earlier, earlier, now()),
            TokenStatus::Revoked
        );
        assert_eq!(
            TokenStatus::at(None, Some(now() + Duration::hours(1)), now()),
            TokenStatus::Active
        );
    }
}
