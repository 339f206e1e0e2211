//! Password hashing with argon2id. Hashing is deliberately slow, so it runs on the blocking pool
//! and never stalls the async runtime.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// The shortest password accepted.
pub const MIN_PASSWORD_LENGTH: usize = 10;

/// Why a password cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the password must have at least {MIN_PASSWORD_LENGTH} characters")]
    TooShort,
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Checks the password policy.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(PasswordError::TooShort);
    }
    Ok(())
}

/// Hashes a password into an argon2id PHC string, after checking the policy.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    check_policy(&password)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| PasswordError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| PasswordError::Hashing(e.to_string()))?
}

/// Whether `password` matches `phc_hash`. With no hash (unknown account) it still does the work
/// of one verification, so response time does not reveal which e-mail addresses exist.
pub async fn verify(password: String, phc_hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let hash = phc_hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        matches && hash != DUMMY_HASH
    })
    .await
    .unwrap_or(false)
}

/// An argon2id hash of a random string nobody knows, verified against for unknown accounts.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3pJmE0Qc0mS0m8t9Qf3bE3mH8P5v1n6q2L9yN0o7t1Y";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(hash)).await);
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("anything at all".into(), None).await);
    }

    #[tokio::test]
    async fn short_passwords_are_refused() {
        assert!(matches!(
            hash("short".into()).await,
            Err(PasswordError::TooShort)
        ));
    }
}
