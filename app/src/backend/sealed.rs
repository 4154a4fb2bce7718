//! Small cookies sealed (encrypted and authenticated) with the session keys:
//! state the browser carries but can neither read nor forge: the session
//! (whose record the database keeps too, so it can be ended), device cookies
//! and form flashes. What each holds and how long it lives is its owner's
//! business.

use super::session::CookieKeys;
use crate::error::AppError;
use axum::response::IntoResponse;
use axum_extra::extract::cookie::{Cookie, PrivateCookieJar, SameSite};
use http::{
    header::{COOKIE, SET_COOKIE},
    HeaderMap, HeaderValue,
};
use serde::{de::DeserializeOwned, Serialize};
use time::Duration;

/// Browsers drop a cookie larger than this without telling anyone.
pub const MAX_COOKIE_BYTES: usize = 4096;

/// What the request's cookie turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened<T> {
    Absent,
    /// Present but tampered, truncated, sealed with an unknown key, or not a `T`.
    Rejected,
    /// `key_index`: which key opened it (0: the current one).
    Valid {
        value: T,
        key_index: usize,
    },
}

/// One kind of sealed cookie: its name and attributes, fixed at startup.
pub struct SealedCookie {
    keys: CookieKeys,
    name: String,
    secure: bool,
    same_site: SameSite,
    max_age: Duration,
}

impl SealedCookie {
    /// The name is the app's ([`crate::cookie_prefix`]). Over HTTPS it gets
    /// the `__Host-` prefix, which makes the browser refuse the cookie unless
    /// it is Secure, host-only and for `Path=/`: no subdomain can plant one.
    pub fn new(keys: CookieKeys, name: &str, secure: bool, same_site: SameSite, max_age: Duration) -> Self {
        let host_only = if secure { "__Host-" } else { "" };
        Self {
            keys,
            name: format!("{host_only}{}{name}", crate::cookie_prefix!()),
            secure,
            same_site,
            max_age,
        }
    }

    /// The value of the request's cookie, if it opens under any key.
    pub fn open<T: DeserializeOwned>(&self, headers: &HeaderMap) -> Option<T> {
        match self.open_telling(headers) {
            Opened::Valid { value, .. } => Some(value),
            Opened::Absent | Opened::Rejected => None,
        }
    }

    /// The request's cookie, telling a missing one from one that does not
    /// open, and which key opened it (0: the current one).
    pub fn open_telling<T: DeserializeOwned>(&self, headers: &HeaderMap) -> Opened<T> {
        let opened = self.keys.all().enumerate().find_map(|(key_index, key)| {
            PrivateCookieJar::from_headers(headers, key.clone())
                .get(&self.name)
                .map(|cookie| (key_index, cookie))
        });
        match opened {
            Some((key_index, cookie)) => match serde_json::from_str(cookie.value()) {
                Ok(value) => Opened::Valid { value, key_index },
                Err(_) => Opened::Rejected,
            },
            None if self.is_sent_in(headers) => Opened::Rejected,
            None => Opened::Absent,
        }
    }

    /// Whether the request carries this cookie at all, valid or not: even one
    /// whose value does not percent-decode, which a cookie jar leaves out.
    pub fn is_sent_in(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|header| header.to_str().ok())
            .flat_map(|header| header.split(';'))
            .any(|pair| pair.split_once('=').is_some_and(|(name, _)| name.trim() == self.name))
    }

    /// Whether `response` already sets (or deletes) this cookie.
    pub fn is_set_by(&self, response: &HeaderMap) -> bool {
        let prefix = format!("{}=", self.name);
        response
            .get_all(SET_COOKIE)
            .iter()
            .any(|value| value.as_bytes().starts_with(prefix.as_bytes()))
    }

    /// A `Set-Cookie` holding `value`, sealed under the current key; an error
    /// if it is too large for a browser to keep.
    pub fn seal<T: Serialize>(&self, value: &T) -> Result<HeaderValue, AppError> {
        self.seal_for(value, self.max_age)
    }

    /// [`SealedCookie::seal`], with a `Max-Age` of its own.
    pub fn seal_for<T: Serialize>(&self, value: &T, max_age: Duration) -> Result<HeaderValue, AppError> {
        let payload = serde_json::to_string(value).map_err(|_| AppError::Internal)?;
        let mut cookie = self.cookie(payload);
        cookie.set_max_age(max_age);
        let header = set_cookie_header(PrivateCookieJar::new(self.keys.current().clone()).add(cookie))?;
        match header.len() <= MAX_COOKIE_BYTES {
            true => Ok(header),
            false => Err(AppError::Internal),
        }
    }

    /// A `Set-Cookie` that deletes the cookie.
    pub fn removal(&self) -> HeaderValue {
        let mut cookie = self.cookie(String::new());
        cookie.make_removal();
        HeaderValue::from_str(&cookie.encoded().to_string()).expect("a removal cookie is a valid header")
    }

    /// The attributes, the same when set and when deleted (a browser deletes
    /// only a cookie whose name, path and domain match).
    fn cookie(&self, value: String) -> Cookie<'static> {
        Cookie::build((self.name.clone(), value))
            .http_only(true)
            .same_site(self.same_site)
            .path("/")
            .max_age(self.max_age)
            .secure(self.secure)
            .build()
    }
}

/// The `Set-Cookie` header a jar with one added cookie answers with.
fn set_cookie_header(jar: PrivateCookieJar) -> Result<HeaderValue, AppError> {
    jar.into_response()
        .headers()
        .get(SET_COOKIE)
        .cloned()
        .ok_or(AppError::Internal)
}
