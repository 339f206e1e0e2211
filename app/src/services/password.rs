//! Password hashing with argon2id. Hashing is deliberately slow (a core and about 19 MiB for
//! tens of milliseconds), so it runs on [`max_checks`] threads of its own, never on the async
//! runtime or tokio's blocking pool: a flood of sign-ins waits here, briefly, and is then turned
//! away, instead of taking every core and gigabytes. Each of these threads keeps one argon2
//! memory buffer and verifies every password in it: allocating 19 MiB per check left the
//! allocator holding tens of MiB per arena, and a flood of 200 sign-ins the process at 400–600
//! MiB; with the buffers it stays at their size.

use argon2::password_hash::{
    rand_core::OsRng, Output, PasswordHash, PasswordHasher, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;
use std::sync::{mpsc, Arc, LazyLock, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long a sign-in waits for a free password check before it is turned away ([`Busy`]).
pub const CHECK_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Hashes and verifications running at once in this process, at most: one per core.
pub fn max_checks() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

static CHECKS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(max_checks()));

/// A password computation, run on one of the password threads.
type Job = Box<dyn FnOnce() + Send>;

/// The password threads' queue (at most [`max_checks`] jobs are in it: callers hold a permit).
static THREADS: LazyLock<Mutex<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (jobs, queue) = mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..max_checks() {
        let queue = Arc::clone(&queue);
        std::thread::Builder::new()
            .name(format!("password-{n}"))
            .spawn(move || loop {
                let job = queue.lock().map(|queue| queue.recv());
                match job {
                    Ok(Ok(job)) => job(),
                    _ => return,
                }
            })
            .expect("a password thread starts");
    }
    Mutex::new(jobs)
});

/// Runs `work` on a password thread (the caller holds a permit of [`CHECKS`]); `None` if the
/// threads are gone (a panic in one).
async fn on_password_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    THREADS.lock().ok()?.send(job).ok()?;
    result.await.ok()
}

/// Every password check was busy for [`CHECK_QUEUE_WAIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks are running; try again in a moment")]
pub struct Busy;

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
    // Hashing is for signed-in administrators and the CLI: it waits its turn, however long.
    let _permit = CHECKS
        .acquire()
        .await
        .expect("the semaphore is never closed");
    on_password_thread(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| PasswordError::Hashing(e.to_string()))
    })
    .await
    .unwrap_or_else(|| {
        Err(PasswordError::Hashing(
            "the password threads stopped".into(),
        ))
    })
}

/// Whether `password` matches `phc_hash`, once one of the process's password checks is free
/// (within [`CHECK_QUEUE_WAIT`], else [`Busy`]). With no hash (unknown account) it still does
/// the work of one verification, so response time does not reveal which addresses exist.
pub async fn verify_queued(password: String, phc_hash: Option<String>) -> Result<bool, Busy> {
    let _permit = tokio::time::timeout(CHECK_QUEUE_WAIT, CHECKS.acquire())
        .await
        .map_err(|_| Busy)?
        .expect("the semaphore is never closed");
    Ok(verify(password, phc_hash).await)
}

/// Whether `password` matches `phc_hash`, checked at once (callers hold a permit, or are tests).
async fn verify(password: String, phc_hash: Option<String>) -> bool {
    on_password_thread(move || {
        let hash = phc_hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        matches_in_thread_memory(password.as_bytes(), &parsed) && hash != DUMMY_HASH
    })
    .await
    .unwrap_or(false)
}

thread_local! {
    /// The argon2 memory of this password thread, reused by every check it runs.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Whether `password` hashes to `hash`, computed in this thread's reused memory and compared in
/// constant time (as `PasswordVerifier::verify_password` does, without its allocation).
fn matches_in_thread_memory(password: &[u8], hash: &PasswordHash<'_>) -> bool {
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (Params::try_from(hash), Algorithm::try_from(hash.algorithm))
    else {
        return false;
    };
    let Ok(version) = hash.version.map(Version::try_from).transpose() else {
        return false;
    };
    let mut salt_buffer = [0u8; Salt::MAX_LENGTH];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let mut output = vec![0u8; expected.len()];
    let hashed =
        MEMORY.with_borrow_mut(|memory| {
            memory.resize(params.block_count(), Block::default());
            Argon2::new(algorithm, version.unwrap_or_default(), params)
                .hash_password_into_with_memory(password, salt, &mut output, &mut memory[..])
        });
    hashed.is_ok() && Output::new(&output).is_ok_and(|output| output == expected)
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
    async fn a_hash_with_other_parameters_is_checked_with_its_own() {
        let params = Params::new(8 * 1024, 1, 1, None).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"small memory hash", &salt)
            .unwrap()
            .to_string();
        assert!(verify("small memory hash".into(), Some(hash.clone())).await);
        assert!(!verify("small memory hasH".into(), Some(hash)).await);
        assert!(!verify("anything".into(), Some("$argon2id$garbage".into())).await);
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
