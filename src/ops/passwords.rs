//! Argon2id hashing and verification off the async runtime's worker threads:
//! the one async wrapper around `domain::password`, used by the management
//! API, the sign-in pages and the `user create` command.
//!
//! Each hash takes tens of milliseconds of CPU and 19 MiB of memory, so it
//! runs on tokio's blocking pool, and at most [`max_at_once`] run together:
//! a burst of sign-ins queues here instead of holding hundreds of blocking
//! threads and their memory. The bound is the machine's, like its cores, so
//! it is one per process.

use crate::domain::password::{self, PasswordError};
use crate::domain::user_rules::Password;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// Hashes running at once: twice the cores the process may use.
pub fn max_at_once() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(max_at_once()))
}

/// Runs `work` on the blocking pool once a permit is free.
async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let _permit = permits()
        .acquire()
        .await
        .map_err(|_| PasswordError::new("the hashing queue is closed"))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| PasswordError::new(format!("hashing task failed: {e}")))
}

/// The Argon2id PHC string of `password`.
pub async fn hash(password: Password) -> Result<String, PasswordError> {
    off_thread(move || password::hash(&password)).await?
}

/// Whether `password` matches the PHC string `phc`; with `None` (no such
/// user) it verifies against a dummy hash and answers `false`, taking the
/// same time as a real verification.
pub async fn verify(password: String, phc: Option<String>) -> bool {
    off_thread(move || match phc {
        Some(phc) => password::verify(&password, &phc),
        None => {
            let _ = password::verify(&password, password::dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashing_runs_off_the_calling_thread_and_verifies() {
        let caller = std::thread::current().id();
        let worker = off_thread(|| std::thread::current().id()).await.unwrap();
        assert_ne!(
            worker, caller,
            "Argon2 work must not hold the runtime's thread"
        );
        let password = Password::parse("correct horse battery", "").unwrap();
        let phc = hash(password).await.unwrap();
        assert!(verify("correct horse battery".into(), Some(phc.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(phc)).await);
        assert!(
            !verify("correct horse battery".into(), None).await,
            "no user, no match"
        );
    }
}
