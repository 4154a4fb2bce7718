//! bcrypt, kept off the async runtime: every hash and verification runs on the
//! blocking pool, at most one per CPU at a time, so a burst of logins queues up
//! instead of starving the threads that serve everything else.

use crate::{domain::Password, error::AppError};
use std::str::FromStr;
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};
use tokio::sync::{OnceCell, Semaphore};

/// bcrypt's cost when none is configured.
pub const DEFAULT_COST: u32 = bcrypt::DEFAULT_COST;

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so that an unknown email costs
    /// the same bcrypt work as a wrong password and timing reveals nothing.
    dummy_hash: Arc<OnceCell<String>>,
    /// Verifications run so far: proves, in tests, that every login attempt costs
    /// exactly one, whatever its outcome.
    verifications: Arc<AtomicU64>,
}

impl PasswordHasher {
    pub fn new(cost: u32) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            cost,
            permits: Arc::new(Semaphore::new(cpus)),
            dummy_hash: Arc::new(OnceCell::new()),
            verifications: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Whether `stored` was made at another cost than the configured one, and
    /// should be replaced by a fresh hash the next time its password is known.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        bcrypt::HashParts::from_str(stored).map_or(true, |parts| parts.get_cost() != self.cost)
    }

    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        let password = password.expose().to_owned();
        let cost = self.cost;
        self.blocking(move || bcrypt::hash(password, cost)).await
    }

    /// Checks `candidate` against `stored`, or against the dummy hash when there is
    /// no account, which always fails after the same amount of work.
    pub async fn verify(&self, candidate: &str, stored: Option<String>) -> Result<bool, AppError> {
        // bcrypt ignores bytes past the 72nd, so a longer candidate could match a
        // shorter stored password: refuse it, but only after the same work.
        let too_long = candidate.len() > Password::MAX_BYTES;
        let (hash, real) = match stored {
            Some(hash) if !too_long => (hash, true),
            _ => (self.dummy_hash().await?, false),
        };
        let candidate = candidate.to_owned();
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let matched = self.blocking(move || bcrypt::verify(candidate, &hash)).await?;
        Ok(matched && real)
    }

    async fn dummy_hash(&self) -> Result<String, AppError> {
        self.dummy_hash
            .get_or_try_init(|| {
                let cost = self.cost;
                let unguessable: [u8; 32] = rand::random();
                self.blocking(move || bcrypt::hash(unguessable, cost))
            })
            .await
            .cloned()
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self.permits.acquire().await.map_err(|_| AppError::Unavailable)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "password hashing task failed");
                AppError::Internal
            })?
            .map_err(|err| {
                tracing::error!(error = %err, "bcrypt failed");
                AppError::Internal
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = PasswordHasher::new(4);
        let password = Password::parse("correct horse battery").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.starts_with("$2b$04$"));
        assert!(hasher
            .verify("correct horse battery", Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hasher.verify("wrong horse battery", Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_at_another_cost_need_rehashing() {
        let password = Password::parse("correct horse battery").unwrap();
        let old = PasswordHasher::new(4).hash(&password).await.unwrap();
        assert!(!PasswordHasher::new(4).needs_rehash(&old));
        assert!(PasswordHasher::new(5).needs_rehash(&old));
        assert!(PasswordHasher::new(5).needs_rehash("not a bcrypt hash"));
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        let hasher = PasswordHasher::new(4);
        assert!(!hasher.verify("anything at all", None).await.unwrap());
        assert!(!hasher.verify("", None).await.unwrap());
    }

    #[tokio::test]
    async fn candidate_longer_than_72_bytes_never_matches_its_prefix() {
        let hasher = PasswordHasher::new(4);
        let stored = Password::parse(&"a".repeat(72)).unwrap();
        let hash = hasher.hash(&stored).await.unwrap();
        let longer = format!("{}X", "a".repeat(72));
        assert!(!hasher.verify(&longer, Some(hash.clone())).await.unwrap());
        assert!(hasher.verify(&"a".repeat(72), Some(hash)).await.unwrap());
    }
}
