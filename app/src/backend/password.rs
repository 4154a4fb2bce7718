//! Password hashes: bcrypt of the password keyed with a server secret, kept off
//! the async runtime.
//!
//! A password is first keyed with HMAC-SHA-256 under the pepper (a key derived
//! from `PASSWORD_PEPPER`, which never enters the database) and base64-encoded,
//! and bcrypt hashes those 44 characters: every character of a password up to
//! 128 counts (bcrypt alone reads only 72 bytes), no NUL byte reaches bcrypt,
//! and a stolen database without the pepper gives an attacker nothing to guess
//! against. Such a hash is stored as [`PEPPERED`] followed by bcrypt's own
//! string. A hash stored before (bcrypt of the password as typed) still
//! verifies the old way, and is replaced at its next successful login.
//!
//! Every hash and verification runs on the blocking pool, at most one per CPU
//! at a time, so a burst of logins queues up instead of starving the threads
//! that serve everything else.

use super::log_safe::Causes;
use crate::{domain::Password, error::AppError};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::{str::FromStr, sync::Arc};
use tokio::sync::{OnceCell, Semaphore};

/// What a stored hash made through the pepper starts with.
pub const PEPPERED: &str = "$hmac-sha256";

/// bcrypt reads at most this many bytes of its input: the cap on passwords
/// hashed before the pepper, which were bcrypt's input as typed.
const BCRYPT_MAX_BYTES: usize = 72;

/// bcrypt's cost when none is configured.
pub const DEFAULT_COST: u32 = bcrypt::DEFAULT_COST;

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// HMAC-SHA-256 keyed with the pepper, cloned for each password.
    pepper: Hmac<Sha256>,
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
    /// `pepper`: the secret passwords are keyed with (`PASSWORD_PEPPER`),
    /// stretched by HKDF into the HMAC key.
    pub fn new(cost: u32, pepper: &SecretString) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut key = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(None, pepper.expose_secret().as_bytes())
            .expand(b"password pepper", &mut key)
            .expect("32 bytes is a valid HKDF-SHA-256 length");
        Self {
            cost,
            pepper: Hmac::new_from_slice(&key).expect("HMAC takes a key of any length"),
            permits: Arc::new(Semaphore::new(cpus)),
            dummy_hashes: Arc::new(std::array::from_fn(|_| OnceCell::new())),
            #[cfg(any(test, feature = "bcrypt-counters"))]
            counters: Arc::default(),
        }
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Whether `stored` was made before the pepper or at another cost than
    /// the configured one, and should be replaced by a fresh hash the next
    /// time its password is known.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        !stored.starts_with(PEPPERED) || cost_of(stored) != Some(self.cost)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        #[cfg(any(test, feature = "bcrypt-counters"))]
        self.counters.hashed();
        let keyed = self.keyed(password.expose());
        let cost = self.cost;
        let hash = self.blocking(move || bcrypt::hash(keyed, cost)).await?;
        Ok(format!("{PEPPERED}{hash}"))
    }

    /// `password` keyed with the pepper: base64 of its HMAC-SHA-256, 44
    /// characters whatever its length.
    fn keyed(&self, password: &str) -> String {
        let mut mac = self.pepper.clone();
        mac.update(password.as_bytes());
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// What bcrypt is given to check `candidate` against `stored`, and the
    /// bcrypt hash within `stored`; `None` when `candidate` cannot be the
    /// password stored (too long to have been accepted, or not a password).
    fn bcrypt_input(&self, candidate: &str, stored: &str) -> Option<(String, String)> {
        match stored.strip_prefix(PEPPERED) {
            Some(hash) => {
                if candidate.len() > Password::MAX_BYTES {
                    return None;
                }
                let normalised = Password::normalise(candidate)?;
                Some((self.keyed(&normalised), hash.to_owned()))
            }
            // Stored before the pepper: bcrypt of the password as typed, at
            // most 72 bytes. bcrypt ignores bytes past the 72nd, so a longer
            // candidate could match a shorter stored password: it never does.
            None => (candidate.len() <= BCRYPT_MAX_BYTES).then(|| (candidate.to_owned(), stored.to_owned())),
        }
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
    ///
    /// A candidate that cannot be the stored password (see
    /// [`Self::bcrypt_input`]) is refused after the same work as a wrong one.
    pub async fn verify(&self, candidate: &str, stored: Option<String>) -> Result<bool, AppError> {
        let prepared = stored.and_then(|stored| self.bcrypt_input(candidate, &stored));
        let ((input, hash), real) = match prepared {
            Some(prepared) => (prepared, true),
            None => ((String::new(), self.dummy_hash(self.cost).await?), false),
        };
        let stored_cost = cost_of(&hash).unwrap_or(self.cost);
        #[cfg(any(test, feature = "bcrypt-counters"))]
        self.counters.verified();
        let matched = self.verify_against(&input, hash).await?;
        for cost in stored_cost..self.cost {
            let dummy = self.dummy_hash(cost).await?;
            self.verify_against(&input, dummy).await?;
        }
        Ok(matched && real)
    }

    async fn verify_against(&self, input: &str, hash: String) -> Result<bool, AppError> {
        #[cfg(any(test, feature = "bcrypt-counters"))]
        self.counters.worked_on(&hash);
        let input = input.to_owned();
        self.blocking(move || bcrypt::verify(input, &hash)).await
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

/// The cost a stored hash (peppered or not) was made at, if `hash` is one.
fn cost_of(hash: &str) -> Option<u32> {
    let bcrypt = hash.strip_prefix(PEPPERED).unwrap_or(hash);
    bcrypt::HashParts::from_str(bcrypt).ok().map(|parts| parts.get_cost())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEPPER: &str = "a test pepper that is long enough!!";

    fn hasher(cost: u32) -> PasswordHasher {
        PasswordHasher::new(cost, &PEPPER.into())
    }

    fn password(text: &str) -> Password {
        Password::parse(text).unwrap()
    }

    /// A hash as stored before the pepper: bcrypt of the password as typed.
    fn unpeppered(text: &str, cost: u32) -> String {
        bcrypt::hash(text, cost).unwrap()
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = hasher(4);
        let hash = hasher.hash(&password("correct horse battery")).await.unwrap();
        assert!(hash.starts_with("$hmac-sha256$2b$04$"), "{hash}");
        assert!(hasher
            .verify("correct horse battery", Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hasher.verify("wrong horse battery", Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn every_character_counts_past_bcrypts_72_bytes() {
        let hasher = hasher(4);
        let stored = "é".repeat(64);
        let hash = hasher.hash(&password(&stored)).await.unwrap();
        let same_first_72_bytes = format!("{}{}", "é".repeat(36), "e".repeat(28));
        assert!(!hasher.verify(&same_first_72_bytes, Some(hash.clone())).await.unwrap());
        let one_more = format!("{stored}é");
        assert!(!hasher.verify(&one_more, Some(hash.clone())).await.unwrap());
        assert!(hasher.verify(&stored, Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn a_password_typed_another_way_verifies() {
        let hasher = hasher(4);
        let hash = hasher.hash(&password("caf\u{e9} au lait")).await.unwrap();
        assert!(hasher.verify("cafe\u{301} au lait", Some(hash.clone())).await.unwrap());
        assert!(hasher.verify("caf\u{e9}\u{a0}au lait", Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn another_pepper_verifies_nothing() {
        let hash = hasher(4).hash(&password("correct horse battery")).await.unwrap();
        let elsewhere = PasswordHasher::new(4, &"another pepper, just as long as it!!".into());
        assert!(!elsewhere.verify("correct horse battery", Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn a_hash_stored_before_the_pepper_verifies_and_needs_rehashing() {
        let hasher = hasher(4);
        let old = unpeppered("correct horse battery", 4);
        assert!(hasher.needs_rehash(&old));
        assert!(hasher.verify("correct horse battery", Some(old.clone())).await.unwrap());
        assert!(!hasher.verify("correct horse", Some(old)).await.unwrap());
        let new = hasher.hash(&password("correct horse battery")).await.unwrap();
        assert!(!hasher.needs_rehash(&new));
    }

    #[tokio::test]
    async fn a_candidate_longer_than_72_bytes_never_matches_an_old_hash_of_its_prefix() {
        let hasher = hasher(4);
        let old = unpeppered(&"a".repeat(72), 4);
        let longer = format!("{}X", "a".repeat(72));
        assert!(!hasher.verify(&longer, Some(old.clone())).await.unwrap());
        assert!(hasher.verify(&"a".repeat(72), Some(old)).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_at_another_cost_need_rehashing() {
        let old = hasher(4).hash(&password("correct horse battery")).await.unwrap();
        assert!(!hasher(4).needs_rehash(&old));
        assert!(hasher(5).needs_rehash(&old));
        assert!(hasher(5).needs_rehash("not a bcrypt hash"));
    }

    #[tokio::test]
    async fn unknown_account_never_verifies() {
        let hasher = hasher(4);
        assert!(!hasher.verify("anything at all", None).await.unwrap());
        assert!(!hasher.verify("", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_refused_candidate_costs_the_same_work() {
        let hasher = hasher(5);
        let stored = hasher.hash(&password("correct horse battery")).await.unwrap();
        for candidate in ["wrong horse battery", &"密".repeat(50_000), "control\u{7}"] {
            let before = hasher.work();
            assert!(!hasher.verify(candidate, Some(stored.clone())).await.unwrap());
            assert_eq!(hasher.work() - before, 1 << 5);
        }
    }

    #[tokio::test]
    async fn a_hash_at_a_lower_cost_is_topped_up_to_the_configured_work() {
        let old = hasher(4).hash(&password("correct horse battery")).await.unwrap();
        let hasher = hasher(7);
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
        assert_eq!(work_of(Some(unpeppered("correct horse battery", 4))).await, 1 << 7);
        assert!(hasher.verify("correct horse battery", Some(old)).await.unwrap());
    }
}
