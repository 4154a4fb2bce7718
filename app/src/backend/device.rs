//! Device cookies: what keeps guessing expensive without handing attackers a
//! way to lock the owner out (OWASP, "Slow Down Online Guessing Attacks with
//! Device Cookies").
//!
//! A browser that logs in gets a sealed cookie naming the account (its
//! normalised email) and a random device id. A later login attempt for that
//! account carrying a valid one is counted under the device alone; attempts
//! without one share the account's counter for untrusted clients. So failures
//! from anywhere else never lock the owner's own browsers out, and a stolen
//! device cookie locks out only itself.
//!
//! Only a password proves a browser trustworthy for password attempts: a
//! password login or registration gives the cookie, bound to the password it
//! proved (a stamp of its stored hash), so a reset or a change of the
//! password voids every cookie given before. Someone who once knew the
//! password and collected cookies cannot keep guessing after the owner
//! resets it. How many cookies one network is given is capped, and trusted
//! attempts still count against their network.

use super::{random_id, sealed::SealedCookie, session::CookieKeys};
use crate::{domain::UserId, error::AppError};
use axum_extra::extract::cookie::SameSite;
use http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long a browser stays trusted after its last successful login.
const LIFETIME: Duration = Duration::days(365);

/// What a device cookie holds once opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedDevice {
    /// The normalised email of the account that logged in from this browser.
    pub email: String,
    /// Random per login: the device's own attempt counter is kept under it.
    pub id: String,
    /// The [`credential_stamp`] of the password the login proved.
    #[serde(default)]
    pub stamp: String,
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
}

/// How many accounts a browser is remembered as known to.
const KNOWN_ACCOUNTS: usize = 10;

/// The accounts that have signed in from a browser, newest last: a sign-in
/// to any other is news to its owner (see `notices`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct KnownBrowser {
    user_ids: Vec<UserId>,
}

/// How device cookies are sealed: with the session keys, fixed at startup.
/// Besides the password-bound `device` cookie, a `browser` cookie remembers
/// which accounts have signed in here by any method.
pub struct DeviceCookies {
    trusted: SealedCookie,
    known: SealedCookie,
}

impl DeviceCookies {
    pub fn new(keys: CookieKeys, secure: bool) -> Self {
        Self {
            // Strict: only ever needed by this site's own login form.
            trusted: SealedCookie::new(keys.clone(), "device", secure, SameSite::Strict, LIFETIME),
            // Lax: a provider's sign-in comes back in a navigation from its site.
            known: SealedCookie::new(keys, "browser", secure, SameSite::Lax, LIFETIME),
        }
    }

    /// Whether `user_id` has signed in from the browser of `headers` before.
    pub fn knows(&self, headers: &HeaderMap, user_id: UserId) -> bool {
        self.known
            .open::<KnownBrowser>(headers)
            .is_some_and(|known| known.user_ids.contains(&user_id))
    }

    /// The browser cookie of `headers`, with `user_id` among the accounts
    /// known to it (the oldest forgotten past [`KNOWN_ACCOUNTS`]).
    pub fn remember(&self, headers: &HeaderMap, user_id: UserId) -> Result<HeaderValue, AppError> {
        let mut known = self.known.open::<KnownBrowser>(headers).unwrap_or_default();
        known.user_ids.retain(|known| *known != user_id);
        known.user_ids.push(user_id);
        let excess = known.user_ids.len().saturating_sub(KNOWN_ACCOUNTS);
        known.user_ids.drain(..excess);
        self.known.seal(&known)
    }

    /// The request's device cookie, if it opens under any key, names `email`
    /// and was given for the password whose stamp is `stamp`.
    pub fn trusted_for(
        &self,
        headers: &HeaderMap,
        email: &str,
        stamp: &str,
        now: OffsetDateTime,
    ) -> Option<TrustedDevice> {
        self.trusted
            .open::<TrustedDevice>(headers)
            .filter(|device| device.email == email && device.stamp == stamp && device.expires_at > now)
    }

    /// A new device cookie for a browser that has just proved the password
    /// stamped `stamp` of `email`.
    pub fn issue(&self, email: &str, stamp: &str, now: OffsetDateTime) -> Result<HeaderValue, AppError> {
        self.trusted.seal(&TrustedDevice {
            email: email.to_owned(),
            id: random_id(),
            stamp: stamp.to_owned(),
            expires_at: now + LIFETIME,
        })
    }
}

/// What binds a device cookie to one password: a digest of its stored bcrypt
/// hash, which changes with every new password (each hash has its own salt).
pub fn credential_stamp(password_hash: &str) -> String {
    super::sha256_hex(password_hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::COOKIE;

    const PASSWORD: &str = "a test password that is long enough!";

    fn request_with(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&pair).unwrap());
        headers
    }

    #[test]
    fn a_device_cookie_vouches_only_for_its_own_account() {
        let devices = DeviceCookies::new(CookieKeys::derive(&PASSWORD.into(), &[]), false);
        let now = OffsetDateTime::now_utc();
        let headers = request_with(&devices.issue("ada@example.com", "s1", now).unwrap());
        assert!(devices.trusted_for(&headers, "ada@example.com", "s1", now).is_some());
        assert!(devices.trusted_for(&headers, "grace@example.com", "s1", now).is_none());
        assert!(devices
            .trusted_for(&headers, "ada@example.com", "s1", now + LIFETIME)
            .is_none());
        let other = DeviceCookies::new(
            CookieKeys::derive(&"another password that is long enough!".into(), &[]),
            false,
        );
        assert!(other.trusted_for(&headers, "ada@example.com", "s1", now).is_none());
    }

    #[test]
    fn a_new_password_voids_the_device_cookies_given_before() {
        let devices = DeviceCookies::new(CookieKeys::derive(&PASSWORD.into(), &[]), false);
        let now = OffsetDateTime::now_utc();
        let old = credential_stamp("$2b$12$first.hash");
        let headers = request_with(&devices.issue("ada@example.com", &old, now).unwrap());
        let new = credential_stamp("$2b$12$second.hash");
        assert_ne!(old, new);
        assert!(devices.trusted_for(&headers, "ada@example.com", &new, now).is_none());
    }

    #[test]
    fn a_browser_is_known_to_the_accounts_that_signed_in_there_the_newest_ten() {
        let devices = DeviceCookies::new(CookieKeys::derive(&PASSWORD.into(), &[]), false);
        let mut headers = HeaderMap::new();
        for id in 1..=11 {
            assert!(!devices.knows(&headers, UserId::new(id)));
            headers = request_with(&devices.remember(&headers, UserId::new(id)).unwrap());
            assert!(devices.knows(&headers, UserId::new(id)));
        }
        assert!(!devices.knows(&headers, UserId::new(1)), "the oldest forgotten");
        assert!(devices.knows(&headers, UserId::new(2)));
    }

    #[test]
    fn each_login_gets_a_new_device_id() {
        let devices = DeviceCookies::new(CookieKeys::derive(&PASSWORD.into(), &[]), true);
        let now = OffsetDateTime::now_utc();
        let first = devices.issue("ada@example.com", "s1", now).unwrap();
        let second = devices.issue("ada@example.com", "s1", now).unwrap();
        let id = |cookie| {
            devices
                .trusted_for(&request_with(cookie), "ada@example.com", "s1", now)
                .unwrap()
                .id
        };
        assert_ne!(id(&first), id(&second));
        let text = first.to_str().unwrap();
        assert!(
            text.starts_with(concat!("__Host-", crate::cookie_prefix!(), "device="))
                && text.contains("HttpOnly")
                && text.contains("SameSite=Strict")
        );
    }
}
