//! Brute-force limits: login attempts per account, per trusted device and per
//! client network, password changes per user, registrations per network, and
//! mailed links (reset per email and network, verification per user), each
//! counted over a fixed window. Mailed links share the login limits' numbers.
//!
//! An attempt is reserved (counted) before any bcrypt work, by one statement
//! that returns the new count, so a burst sent in parallel cannot slip past the
//! limit between a check and a count. A success hands its reservation back.
//!
//! The counters live in the database (`attempt_counters`), so every app server
//! sharing it shares the limits, and a row lasts one window, so nothing grows
//! without bound. Written here rather than taken from `governor`: the rule is
//! "N attempts, forgotten on success", which a token bucket cannot express, and
//! governor keeps its state in one process's memory.

use super::{clock::Clock, db::Database, sha256_hex};
use crate::backend::clock::UnixTime;
use crate::domain::UserId;
use crate::error::AppError;
use std::{
    net::{IpAddr, Ipv6Addr},
    time::Duration,
};

/// How many attempts are allowed, per what, over how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Login failures for one account from clients it has never logged in from.
    pub login_failures_per_email: u32,
    /// Login failures for one account from one browser it has logged in from
    /// before (a device cookie): counted apart, so strangers' failures never
    /// lock the owner's own browsers out.
    pub login_failures_per_device: u32,
    pub login_failures_per_address: u32,
    pub registrations_per_address: u32,
    pub window: Duration,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            login_failures_per_email: 5,
            login_failures_per_device: 5,
            login_failures_per_address: 50,
            registrations_per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// What is being counted. Each kind has its own key space, and free text (an
/// email, a device id) enters a key only as its SHA-256, so keys never collide
/// across kinds and stay short whatever was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter<'a> {
    /// Login attempts for a normalised email from untrusted clients.
    LoginByAccount(&'a str),
    /// Login attempts carrying the device cookie with this id.
    LoginByDevice(&'a str),
    /// Login and password-confirmation attempts from a client network.
    LoginByAddress(IpAddr),
    /// Password-change attempts of a logged-in user.
    PasswordChangeByUser(UserId),
    RegistrationByAddress(IpAddr),
    /// Reset links asked for a normalised email from one client network:
    /// counted per asker, so strangers cannot spend the owner's allowance.
    RecoveryByEmail(&'a str, IpAddr),
    /// Reset links mailed to a normalised email, whoever asked: past the
    /// limit a request is answered as usual and nothing is mailed (the links
    /// mailed before still work), so nobody can flood a mailbox.
    RecoveryMailByEmail(&'a str),
    /// Device cookies given to a client network: someone who knows a
    /// password cannot collect thousands of them.
    DeviceCookieByAddress(IpAddr),
    /// Reset links asked from a client network.
    RecoveryByAddress(IpAddr),
    /// Verification links a logged-in user asked to be sent again.
    VerificationMailByUser(UserId),
    /// Codes tried for one sign-in waiting for its second step.
    SecondStepBySignIn(&'a str),
    /// Codes tried for one account's second step, whatever the sign-in.
    SecondStepByUser(UserId),
    /// Mails telling a user that codes are being guessed: one per window.
    SecondStepNoticeByUser(UserId),
    /// Mails telling a user of a sign-in from a new browser: one per window.
    NewSignInNoticeByUser(UserId),
    /// Email changes a logged-in user asked for (each mails two addresses).
    EmailChangeByUser(UserId),
}

impl Counter<'_> {
    pub fn key(&self) -> String {
        match self {
            Self::LoginByAccount(email) => format!("login-account:{}", sha256_hex(email)),
            Self::LoginByDevice(device) => format!("login-device:{}", sha256_hex(device)),
            Self::LoginByAddress(address) => format!("login-address:{}", network(*address)),
            Self::PasswordChangeByUser(user_id) => format!("password-change-user:{user_id}"),
            Self::RegistrationByAddress(address) => format!("register-address:{}", network(*address)),
            Self::RecoveryByEmail(email, address) => {
                format!("recovery-account:{}:{}", sha256_hex(email), network(*address))
            }
            Self::RecoveryMailByEmail(email) => format!("recovery-mail:{}", sha256_hex(email)),
            Self::DeviceCookieByAddress(address) => format!("device-address:{}", network(*address)),
            Self::RecoveryByAddress(address) => format!("recovery-address:{}", network(*address)),
            Self::VerificationMailByUser(user_id) => format!("verification-user:{user_id}"),
            Self::SecondStepBySignIn(id) => format!("second-step-sign-in:{}", sha256_hex(id)),
            Self::SecondStepByUser(user_id) => format!("second-step-user:{user_id}"),
            Self::SecondStepNoticeByUser(user_id) => format!("second-step-notice:{user_id}"),
            Self::NewSignInNoticeByUser(user_id) => format!("new-sign-in-notice:{user_id}"),
            Self::EmailChangeByUser(user_id) => format!("email-change:{user_id}"),
        }
    }

    fn max(&self, settings: &LimitSettings) -> u32 {
        match self {
            Self::LoginByAccount(_)
            | Self::PasswordChangeByUser(_)
            | Self::RecoveryByEmail(..)
            | Self::RecoveryMailByEmail(_)
            | Self::VerificationMailByUser(_)
            | Self::EmailChangeByUser(_)
            | Self::SecondStepBySignIn(_)
            | Self::SecondStepByUser(_) => settings.login_failures_per_email,
            Self::SecondStepNoticeByUser(_) | Self::NewSignInNoticeByUser(_) => 1,
            Self::LoginByDevice(_) => settings.login_failures_per_device,
            Self::LoginByAddress(_) | Self::RecoveryByAddress(_) | Self::DeviceCookieByAddress(_) => {
                settings.login_failures_per_address
            }
            Self::RegistrationByAddress(_) => settings.registrations_per_address,
        }
    }
}

/// The network a client is counted under: its IPv4 address, or the /64 of an
/// IPv6 one (one subscriber usually holds a whole /64, so counting single IPv6
/// addresses would hand each guesser 2^64 fresh counters). IPv4-mapped IPv6
/// addresses count as the IPv4 address they carry.
pub fn network(address: IpAddr) -> String {
    match address.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", Ipv6Addr::from(prefix))
        }
    }
}

/// The limits, applied to the counters in `db`, with windows read off `clock`.
pub struct Limits {
    settings: LimitSettings,
    clock: Clock,
}

impl Limits {
    pub fn new(settings: LimitSettings, clock: Clock) -> Self {
        Self { settings, clock }
    }

    /// Counts one attempt under every counter in `counters`, refusing it with
    /// [`AppError::TooManyRequests`] (with the seconds until it may retry) when any
    /// of them is past its limit; then the others take their count back, as the
    /// attempt is not made.
    ///
    /// An attempt in flight counts like a failure until it succeeds: that is
    /// what stops a parallel burst. So more simultaneous attempts than the limit
    /// from one client are refused even if all would succeed.
    pub async fn reserve(&self, db: &Database, counters: &[Counter<'_>]) -> Result<(), AppError> {
        let now = self.clock.unix_now();
        let since = self.window_start(now);
        db.sweep_attempts(since).await?;
        let mut wait = None;
        let mut counted = Vec::with_capacity(counters.len());
        for counter in counters {
            let max = i64::from(counter.max(&self.settings));
            let (attempts, started) = db.count_attempt(&counter.key(), max, now, since).await?;
            if attempts > max {
                // The window ends `window` after it started, `started - since` from now.
                wait = wait.max(Some(started.since(since).max(1)));
            } else {
                counted.push(counter.key());
            }
        }
        let Some(retry_after) = wait else {
            return Ok(());
        };
        for key in counted {
            db.refund_attempt(&key).await?;
        }
        Err(AppError::TooManyRequests {
            retry_after: u64::try_from(retry_after).ok(),
        })
    }

    /// After a success: `forgotten` starts afresh, and the attempt reserved
    /// under `refunded` no longer counts (a network keeps its failures, so one
    /// valid account cannot reset a guessing run on others). Best effort: the
    /// success stands whatever happens here.
    pub async fn succeeded(&self, db: &Database, forgotten: Counter<'_>, refunded: Option<Counter<'_>>) {
        let mut result = db.forget_attempts(&forgotten.key()).await;
        if let Some(refunded) = refunded {
            result = result.and(db.refund_attempt(&refunded.key()).await);
        }
        if let Err(err) = result {
            tracing::warn!(error = %err, "could not reset an attempt counter after a success");
        }
    }

    /// Takes back one attempt counted under `counter`: an attempt that
    /// turned out to be a success.
    pub async fn refund(&self, db: &Database, counter: Counter<'_>) {
        if let Err(err) = db.refund_attempt(&counter.key()).await {
            tracing::warn!(error = %err, "could not refund an attempt after a success");
        }
    }

    /// The start of the window ending at `now`: one that began at or before it is over.
    fn window_start(&self, now: UnixTime) -> UnixTime {
        now.plus(-i64::try_from(self.settings.window.as_secs()).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_spaces_never_meet() {
        let keys = [
            Counter::LoginByAccount("user:5").key(),
            Counter::LoginByDevice("user:5").key(),
            Counter::PasswordChangeByUser(UserId::new(5)).key(),
            Counter::LoginByAddress("10.0.0.5".parse().unwrap()).key(),
            Counter::RegistrationByAddress("10.0.0.5".parse().unwrap()).key(),
            Counter::RecoveryByEmail("user:5", "10.0.0.5".parse().unwrap()).key(),
            Counter::RecoveryMailByEmail("user:5").key(),
            Counter::DeviceCookieByAddress("10.0.0.5".parse().unwrap()).key(),
            Counter::RecoveryByAddress("10.0.0.5".parse().unwrap()).key(),
            Counter::VerificationMailByUser(UserId::new(5)).key(),
            Counter::SecondStepBySignIn("user:5").key(),
            Counter::SecondStepByUser(UserId::new(5)).key(),
            Counter::SecondStepNoticeByUser(UserId::new(5)).key(),
            Counter::NewSignInNoticeByUser(UserId::new(5)).key(),
            Counter::EmailChangeByUser(UserId::new(5)).key(),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn keys_are_short_whatever_was_typed() {
        let huge = "x".repeat(60_000);
        assert!(Counter::LoginByAccount(&huge).key().len() < 100);
        assert!(!Counter::LoginByAccount("ada@example.com").key().contains("ada"));
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let net = |text: &str| network(text.parse().unwrap());
        assert_eq!(net("2001:db8:1:2:aaaa::1"), net("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_eq!(net("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(net("2001:db8:1:2::1"), net("2001:db8:1:3::1"));
        assert_eq!(net("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(net("192.0.2.7"), "192.0.2.7");
    }
}
