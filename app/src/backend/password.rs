//! bcrypt, kept off the async runtime: every hash and verification runs on the
//! blocking pool, at most one per CPU at a time, so a burst of logins queues up
//! instead of starving the threads that serve everything else.

use super::log_safe::Causes;
use crate::{domain::Password, error::AppError};
use std::{str::FromStr, sync::Arc};
use tokio::sync::{OnceCell, Semaphore};

/// bcrypt's cost when none is configured.
pub const DEFAULT_COST: u32 = bcrypt::DEFAULT_COST;

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    permits: Arc<Semaphore>,
    /// Hashes of an unguessable password, one per cost, made when first needed.
    /// An unknown email is verified against the one at the configured cost, so it
    /// costs the same bcrypt work as a wrong password and timing reveals nothing.
    dummy_hashes: Arc<[OnceCell<String>; 32]>,
    #[cfg(any(test, feature = "bcrypt-counters"))]
    counters: Arc<counters::Counters>,
}

/// What tests count to prove the cost of a login attempt; compiled only into
/// tests (the `bcrypt-counters` feature is on only for the server's tests).
#[cfg(any(test, feature = "bcrypt-counters"))]
mod counters {
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Default)]
    pub struct Counters {
        /// Verifications run so far: every login attempt costs exactly one,
        /// whatever its outcome.
        verifications: AtomicU64,
        /// bcrypt work done by verifications so far, in units of one cost-0 round
        /// (a verification at cost c is 2^c): timing cannot tell an unknown email
        /// from a known one, whatever its stored cost.
        work: AtomicU64,
        /// New hashes made so far (registrations, new passwords).
        hashes: AtomicU64,
    }

    impl Counters {
        pub fn verified(&self) {
            self.verifications.fetch_add(1, Ordering::Relaxed);
        }

        pub fn hashed(&self) {
            self.hashes.fetch_add(1, Ordering::Relaxed);
        }

        /// A verification against `hash`, at the cost written in it.
        pub fn worked_on(&self, hash: &str) {
            if let Some(cost) = super::cost_of(hash) {
                self.work.fetch_add(1 << cost, Ordering::Relaxed);
            }
        }
    }

    impl super::PasswordHasher {
        pub fn verifications(&self) -> u64 {
            self.counters.verifications.load(Ordering::Relaxed)
        }

        pub fn work(&self) -> u64 {
            self.counters.work.load(Ordering::Relaxed)
        }

        pub fn hashes_made(&self) -> u64 {
            self.counters.hashes.load(Ordering::Relaxed)
        }
    }
}

impl PasswordHasher {
    pub fn new(cost: u32) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            cost,
            permits: Arc::new(Semaphore::new(cpus)),
            dummy_hashes: Arc::new(std::array::from_fn(|_| OnceCell::new())),
            #[cfg(any(test, feature = "bcrypt-counters"))]
            counters: Arc::default(),
        }
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Whether `stored` was made at another cost than the configured one, and
    /// should be replaced by a fresh hash the next time its password is known.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        cost_of(stored) != Some(self.cost)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        #[cfg(any(test, feature = "bcrypt-counters"))]
        self.counters.hashed();
        let password = password.expose().to_owned();
        let cost = self.cost;
        self.blocking(move || bcrypt::hash(password, cost)).await
    }

    /// Checks `candidate` against `stored`, or against the dummy hash when there is
    /// no account, which always fails after the same amount of work.
    ///
    /// A stored hash made at a lower cost than the configured one (before
    /// `BCRYPT_COST` was raised; it is replaced at its next successful login)
    /// would answer faster than an unknown email, which pays the configured cost,
    /// and so tell which emails exist. Such a verification is topped up with one
    /// dummy verification at each cost from the stored one to one below the
    /// configured one: 2^c + 2^c + 2^(c+1) + ... + 2^(C-1) = 2^C, the same work.
    pub async fn verify(&self, candidate: &str, stored: Option<String>) -> Result<bool, AppError> {
        // bcrypt ignores bytes past the 72nd, so a longer candidate could match a
        // shorter stored password: refuse it, but only after the same work.
        let too_long = candidate.len() > Password::MAX_BYTES;
        let (hash, real) = match stored {
            Some(hash) if !too_long => (hash, true),
            _ => (self.dummy_hash(self.cost).await?, false),
        };
        let stored_cost = cost_of(&hash).unwrap_or(self.cost);
        #[cfg(any(test, feature = "bcrypt-counters"))]
        self.counters.verified();
        let matched = self.verify_against(candidate, hash).await?;
        for cost in stored_cost..self.cost {
            let dummy = self.dummy_hash(cost).await?;
            self.verify_against(candidate, dummy).await?;
        }
        Ok(matched && real)
    }

    async fn verify_against(&self, candidate: &str, hash: String) -> Result<bool, AppError> {
        #[cfg(any(test, feature = "bcrypt-counters"))]
        self.counters.worked_on(&hash);
        let candidate = candidate.to_owned();
        self.blocking(move || bcrypt::verify(candidate, &hash)).await
    }

    async fn dummy_hash(&self, cost: u32) -> Result<String, AppError> {
        let cell = self.dummy_hashes.get(cost as usize).ok_or(AppError::Internal)?;
        cell.get_or_try_init(|| {
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
                tracing::error!(error = %Causes(&err), "password hashing task failed");
                AppError::Internal
            })?
            .map_err(|err| {
                tracing::error!(error = %Causes(&err), "bcrypt failed");
                AppError::Internal
            })
    }
}

/// The cost a bcrypt hash was made at, if `hash` is one.
fn cost_of(hash: &str) -> Option<u32> {
    bcrypt::HashParts::from_str(hash).ok().map(|parts| parts.get_cost())
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
    async fn a_hash_at_a_lower_cost_is_topped_up_to_the_configured_work() {
        let password = Password::parse("correct horse battery").unwrap();
        let old = PasswordHasher::new(4).hash(&password).await.unwrap();
        let hasher = PasswordHasher::new(7);
        let work_of = |stored: Option<String>| {
            let hasher = hasher.clone();
            async move {
                let before = hasher.work();
                hasher.verify("correct horse battery", stored).await.unwrap();
                hasher.work() - before
            }
        };
        assert_eq!(work_of(None).await, 1 << 7);
        assert_eq!(work_of(Some(old.clone())).await, 1 << 7, "2^4 + 2^4 + 2^5 + 2^6");
        assert!(hasher.verify("correct horse battery", Some(old)).await.unwrap());
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
