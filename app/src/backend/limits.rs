//! Brute-force limits: failed logins per email and per client address, and
//! registrations per address, each counted over a fixed window.
//!
//! The counters live in the database (`attempt_counters`), so every app server
//! sharing it shares the limits, and a row lasts one window, so nothing grows
//! without bound. Written here rather than taken from `governor`: the rule is
//! "N failures, forgotten on success", which a token bucket cannot express, and
//! governor keeps its state in one process's memory.

use super::db::Database;
use crate::error::AppError;
use http::{header::RETRY_AFTER, HeaderValue};
use leptos::prelude::use_context;
use std::{net::IpAddr, time::Duration};
use time::OffsetDateTime;

/// How many attempts are allowed, per what, over how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    pub login_failures_per_email: u32,
    pub login_failures_per_address: u32,
    pub registrations_per_address: u32,
    pub window: Duration,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            login_failures_per_email: 5,
            login_failures_per_address: 50,
            registrations_per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The limits, applied to the counters in `db`.
pub struct Limits {
    settings: LimitSettings,
}

/// What is being counted.
enum Counter<'a> {
    /// By normalised email, or `user:ID` for re-authentication of a session.
    LoginFailuresByAccount(&'a str),
    LoginFailuresByAddress(IpAddr),
    RegistrationsByAddress(IpAddr),
}

impl Counter<'_> {
    fn key(&self) -> String {
        match self {
            Self::LoginFailuresByAccount(account) => format!("login-account:{account}"),
            Self::LoginFailuresByAddress(address) => format!("login-address:{address}"),
            Self::RegistrationsByAddress(address) => format!("register-address:{address}"),
        }
    }

    fn max(&self, settings: &LimitSettings) -> u32 {
        match self {
            Self::LoginFailuresByAccount(_) => settings.login_failures_per_email,
            Self::LoginFailuresByAddress(_) => settings.login_failures_per_address,
            Self::RegistrationsByAddress(_) => settings.registrations_per_address,
        }
    }
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        Self { settings }
    }

    /// Whether a login to `account` from `address` may even be attempted.
    pub async fn check_login(&self, db: &Database, account: &str, address: IpAddr) -> Result<(), AppError> {
        self.check(db, Counter::LoginFailuresByAccount(account)).await?;
        self.check(db, Counter::LoginFailuresByAddress(address)).await
    }

    pub async fn login_failed(&self, db: &Database, account: &str, address: IpAddr) -> Result<(), AppError> {
        self.count(db, Counter::LoginFailuresByAccount(account)).await?;
        self.count(db, Counter::LoginFailuresByAddress(address)).await
    }

    /// A success forgets the account's failures (the address keeps its count, so
    /// one valid account cannot be used to reset a guessing run on others).
    pub async fn login_succeeded(&self, db: &Database, account: &str) -> Result<(), AppError> {
        db.forget_attempts(&Counter::LoginFailuresByAccount(account).key())
            .await
    }

    /// Counts a registration attempt from `address`, refusing it past the limit.
    pub async fn register_attempt(&self, db: &Database, address: IpAddr) -> Result<(), AppError> {
        self.check(db, Counter::RegistrationsByAddress(address)).await?;
        self.count(db, Counter::RegistrationsByAddress(address)).await
    }

    /// `Err(TooManyRequests)`, with `Retry-After` on the response, past the limit.
    async fn check(&self, db: &Database, counter: Counter<'_>) -> Result<(), AppError> {
        let since = self.window_start(now());
        match db.attempts(&counter.key(), since).await? {
            Some((started, attempts)) if attempts >= i64::from(counter.max(&self.settings)) => {
                // The window ends `window` after it started, `started - since` from now.
                let retry_after = (started - since).max(1);
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.insert_header(RETRY_AFTER, HeaderValue::from(retry_after));
                }
                Err(AppError::TooManyRequests)
            }
            _ => Ok(()),
        }
    }

    async fn count(&self, db: &Database, counter: Counter<'_>) -> Result<(), AppError> {
        let now = now();
        db.record_attempt(&counter.key(), now, self.window_start(now)).await
    }

    /// The start of the window ending at `now`: one that began at or before it is over.
    fn window_start(&self, now: i64) -> i64 {
        now - i64::try_from(self.settings.window.as_secs()).unwrap_or(i64::MAX)
    }
}

/// Unix seconds.
fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}
