//! Small cookies sealed (encrypted and authenticated) with the session keys:
//! state that lives in the browser with no server-side store, which the
//! browser can neither read nor forge. Device cookies and form flashes use it;
//! the session cookie has its own rules (renewal, rejection) in `session`.

use super::session::{set_cookie_header, CookieKeys};
use crate::error::AppError;
use axum_extra::extract::cookie::{Cookie, CookieJar, PrivateCookieJar, SameSite};
use http::{HeaderMap, HeaderValue};
use serde::{de::DeserializeOwned, Serialize};
use time::Duration;

/// Browsers drop a cookie larger than this without telling anyone.
pub const MAX_COOKIE_BYTES: usize = 4096;

/// One kind of sealed cookie: its name and attributes, fixed at startup.
pub struct SealedCookie {
    keys: CookieKeys,
    name: String,
    secure: bool,
    same_site: SameSite,
    max_age: Duration,
}

impl SealedCookie {
    /// Over HTTPS the name gets the `__Host-` prefix, which makes the browser
    /// refuse the cookie unless it is Secure, host-only and for `Path=/`: no
    /// subdomain can plant one.
    pub fn new(keys: CookieKeys, name: &str, secure: bool, same_site: SameSite, max_age: Duration) -> Self {
        Self {
            keys,
            name: if secure {
                format!("__Host-{name}")
            } else {
                name.to_owned()
            },
            secure,
            same_site,
            max_age,
        }
    }

    /// The value of the request's cookie, if it opens under any key.
    pub fn open<T: DeserializeOwned>(&self, headers: &HeaderMap) -> Option<T> {
        self.keys.all().find_map(|key| {
            let cookie = PrivateCookieJar::from_headers(headers, key.clone()).get(&self.name)?;
            serde_json::from_str(cookie.value()).ok()
        })
    }

    /// Whether the request carries this cookie at all, valid or not.
    pub fn is_sent_in(&self, headers: &HeaderMap) -> bool {
        CookieJar::from_headers(headers).get(&self.name).is_some()
    }

    /// A `Set-Cookie` holding `value`, sealed under the current key; an error
    /// if it is too large for a browser to keep.
    pub fn seal<T: Serialize>(&self, value: &T) -> Result<HeaderValue, AppError> {
        let payload = serde_json::to_string(value).map_err(|_| AppError::Internal)?;
        let jar = PrivateCookieJar::new(self.keys.current().clone()).add(self.cookie(payload));
        let header = set_cookie_header(jar)?;
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
