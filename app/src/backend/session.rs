//! The sealed session cookie: the whole session lives in one cookie encrypted and
//! authenticated with AES-256-GCM (axum-extra's `PrivateCookieJar`), so any app
//! server holding the key can serve any user without a session store.
//!
//! The helpers at the bottom (`get`, `require`, `replace`, `clear`) are what
//! server functions use; the middleware opens the cookie once per request.

use crate::{
    error::AppError,
    model::{SessionInfo, UserSummary},
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::cookie::{Cookie, CookieJar, Key, PrivateCookieJar, SameSite};
use http::{header::SET_COOKIE, HeaderMap, HeaderValue};
use leptos::prelude::use_context;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::{format_description::well_known::Rfc3339, Duration, OffsetDateTime};

/// Browsers drop a cookie larger than this without telling anyone.
const MAX_COOKIE_BYTES: usize = 4096;

/// What the cookie holds once opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub user: UserSummary,
    #[serde(with = "time::serde::rfc3339")]
    pub logged_in_at: OffsetDateTime,
    /// Checked on every request: the cookie's Max-Age is only a hint to the browser.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
    /// Server-only data: sealed like the rest, and never sent to the browser in
    /// readable form by any endpoint, page or hydration payload.
    pub secure: SecureData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecureData {
    /// Random per login, so two logins of the same user are told apart.
    pub session_id: String,
}

impl Session {
    /// The part the browser may see.
    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            user: self.user.clone(),
            logged_in_at: self
                .logged_in_at
                .format(&Rfc3339)
                .unwrap_or_default(),
        }
    }
}

/// What the request's cookie turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenedCookie {
    Absent,
    Valid(Session),
    /// Present but tampered, truncated, sealed with another key, or expired:
    /// treated as no session, and cleared in the response.
    Rejected,
}

/// How sessions are sealed, fixed at startup.
pub struct SessionConfig {
    key: Key,
    cookie_name: &'static str,
    max_age: Duration,
    secure: bool,
}

impl SessionConfig {
    /// `password` must hold at least 32 bytes (checked when the configuration is read).
    pub fn new(password: &str, max_age: Duration, secure: bool) -> Self {
        Self {
            key: Key::derive_from(password.as_bytes()),
            // The `__Host-` prefix makes the browser refuse the cookie unless it is
            // Secure, host-only and for Path=/, which stops subdomains planting one.
            cookie_name: if secure { "__Host-session" } else { "session" },
            max_age,
            secure,
        }
    }

    pub fn cookie_name(&self) -> &'static str {
        self.cookie_name
    }

    pub fn open(&self, headers: &HeaderMap, now: OffsetDateTime) -> OpenedCookie {
        let jar = PrivateCookieJar::from_headers(headers, self.key.clone());
        match jar.get(self.cookie_name) {
            Some(cookie) => match serde_json::from_str::<Session>(cookie.value()) {
                Ok(session) if session.expires_at > now => OpenedCookie::Valid(session),
                _ => OpenedCookie::Rejected,
            },
            None if CookieJar::from_headers(headers).get(self.cookie_name).is_some() => {
                OpenedCookie::Rejected
            }
            None => OpenedCookie::Absent,
        }
    }

    /// A fresh session for `user`, with a new random id.
    pub fn start(&self, user: UserSummary, now: OffsetDateTime) -> Session {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        Session {
            user,
            logged_in_at: now,
            expires_at: now + self.max_age,
            secure: SecureData {
                session_id: random_id(),
            },
        }
    }

    /// The `Set-Cookie` value carrying `session`, sealed.
    pub fn seal(&self, session: &Session) -> Result<HeaderValue, AppError> {
        let payload = serde_json::to_string(session).map_err(|err| {
            tracing::error!(error = %err, "cannot serialise the session");
            AppError::Internal
        })?;
        let cookie = Cookie::build((self.cookie_name, payload))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(self.max_age)
            .secure(self.secure);
        let value = set_cookie_header(PrivateCookieJar::new(self.key.clone()).add(cookie))?;
        if value.len() > MAX_COOKIE_BYTES {
            tracing::error!(bytes = value.len(), "sealed session exceeds the browser's cookie size limit");
            return Err(AppError::Internal);
        }
        Ok(value)
    }

    /// The `Set-Cookie` value that deletes the session cookie.
    pub fn removal(&self) -> HeaderValue {
        let mut cookie = Cookie::build((self.cookie_name, ""))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(self.secure)
            .build();
        cookie.make_removal();
        HeaderValue::from_str(&cookie.encoded().to_string()).expect("a removal cookie is a valid header")
    }

    fn is_set_by(&self, response: &Response) -> bool {
        response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .any(|value| value.as_bytes().starts_with(format!("{}=", self.cookie_name).as_bytes()))
    }
}

fn set_cookie_header(jar: PrivateCookieJar) -> Result<HeaderValue, AppError> {
    jar.into_response()
        .headers()
        .get(SET_COOKIE)
        .cloned()
        .ok_or(AppError::Internal)
}

fn random_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The request's session, as opened by [`load_session`].
#[derive(Debug, Clone)]
pub struct CurrentSession(pub Option<Session>);

/// Opens the cookie once per request and puts the result in the request's
/// extensions; a cookie that fails to open is deleted in the response.
pub async fn load_session(
    State(config): State<Arc<SessionConfig>>,
    mut request: Request,
    next: Next,
) -> Response {
    let opened = config.open(request.headers(), OffsetDateTime::now_utc());
    let rejected = opened == OpenedCookie::Rejected;
    let session = match &opened {
        OpenedCookie::Valid(session) => Some(session.clone()),
        _ => None,
    };
    request.extensions_mut().insert(CurrentSession(session));
    let has_session = matches!(opened, OpenedCookie::Valid(_));
    let mut response = next.run(request).await;
    if rejected && !config.is_set_by(&response) {
        response.headers_mut().append(SET_COOKIE, config.removal());
    }
    // Nothing personal may be kept by a shared cache or the back/forward cache
    // of a browser someone else uses next.
    if has_session || config.is_set_by(&response) {
        response
            .headers_mut()
            .insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The session of the request being served, if it has a valid one.
pub fn get_user_session() -> Option<Session> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<CurrentSession>()?
        .0
        .clone()
}

/// The session of the request being served, or 401.
pub fn require_user_session() -> Result<Session, AppError> {
    get_user_session().ok_or(AppError::Unauthorized)
}

/// Logs `user` in: a brand-new session replaces whatever the request carried.
pub fn replace_user_session(user: UserSummary) -> Result<Session, AppError> {
    let state = super::state()?;
    let session = state.sessions.start(user, OffsetDateTime::now_utc());
    let cookie = state.sessions.seal(&session)?;
    response_options()?.append_header(SET_COOKIE, cookie);
    Ok(session)
}

/// Logs out: the browser is told to delete the cookie.
pub fn clear_user_session() -> Result<(), AppError> {
    let state = super::state()?;
    if let Some(session) = get_user_session() {
        tracing::info!(
            target: "audit",
            action = "logout",
            outcome = "success",
            user_id = session.user.id,
            client = %super::http::client_address(),
        );
    }
    response_options()?.append_header(SET_COOKIE, state.sessions.removal());
    Ok(())
}

fn response_options() -> Result<leptos_axum::ResponseOptions, AppError> {
    use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::COOKIE;

    const PASSWORD: &str = "a test password that is long enough!";

    fn config() -> SessionConfig {
        SessionConfig::new(PASSWORD, Duration::days(7), false)
    }

    fn ada() -> UserSummary {
        UserSummary {
            id: 7,
            name: "Ada".into(),
        }
    }

    /// The request headers a browser would send back for a `Set-Cookie` value.
    fn request_with(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        request_with_pair(&pair)
    }

    fn request_with_pair(pair: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(pair).unwrap());
        headers
    }

    #[test]
    fn sealed_session_opens_to_the_same_session() {
        let config = config();
        let now = OffsetDateTime::now_utc();
        let session = config.start(ada(), now);
        let cookie = config.seal(&session).unwrap();
        assert_eq!(config.open(&request_with(&cookie), now), OpenedCookie::Valid(session));
    }

    #[test]
    fn cookie_attributes() {
        let cookie = config().seal(&config().start(ada(), OffsetDateTime::now_utc())).unwrap();
        let text = cookie.to_str().unwrap();
        assert!(text.starts_with("session="));
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
            assert!(text.contains(attribute), "{attribute} missing in {text}");
        }
        assert!(!text.contains("Secure"));
        let secure = SessionConfig::new(PASSWORD, Duration::days(7), true);
        let text = secure.seal(&secure.start(ada(), OffsetDateTime::now_utc())).unwrap();
        let text = text.to_str().unwrap();
        assert!(text.starts_with("__Host-session=") && text.contains("Secure"), "{text}");
    }

    #[test]
    fn payload_is_unreadable() {
        let config = config();
        let cookie = config.seal(&config.start(ada(), OffsetDateTime::now_utc())).unwrap();
        let text = cookie.to_str().unwrap();
        assert!(!text.contains("Ada") && !text.contains("session_id"), "{text}");
    }

    #[test]
    fn tampered_cookie_is_rejected() {
        let config = config();
        let now = OffsetDateTime::now_utc();
        let cookie = config.seal(&config.start(ada(), now)).unwrap();
        let pair = cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        let (name, value) = pair.split_once('=').unwrap();
        let mut bytes = value.as_bytes().to_vec();
        let middle = bytes.len() / 2;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        let tampered = format!("{name}={}", String::from_utf8(bytes).unwrap());
        assert_eq!(config.open(&request_with_pair(&tampered), now), OpenedCookie::Rejected);
    }

    #[test]
    fn truncated_cookie_is_rejected() {
        let config = config();
        let now = OffsetDateTime::now_utc();
        let cookie = config.seal(&config.start(ada(), now)).unwrap();
        let pair = cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        for cut in [pair.len() - 1, pair.len() - 10, "session=".len() + 5, "session=".len()] {
            assert_eq!(config.open(&request_with_pair(&pair[..cut]), now), OpenedCookie::Rejected, "cut at {cut}");
        }
    }

    #[test]
    fn cookie_sealed_with_another_key_is_rejected() {
        let now = OffsetDateTime::now_utc();
        let other = SessionConfig::new("another password, also long enough!!", Duration::days(7), false);
        let cookie = other.seal(&other.start(ada(), now)).unwrap();
        assert_eq!(config().open(&request_with(&cookie), now), OpenedCookie::Rejected);
    }

    #[test]
    fn expired_session_is_rejected_even_if_the_browser_sends_it() {
        let config = config();
        let now = OffsetDateTime::now_utc();
        let cookie = config.seal(&config.start(ada(), now)).unwrap();
        let later = now + Duration::days(7) + Duration::seconds(1);
        assert!(matches!(config.open(&request_with(&cookie), now + Duration::days(6)), OpenedCookie::Valid(_)));
        assert_eq!(config.open(&request_with(&cookie), later), OpenedCookie::Rejected);
    }

    #[test]
    fn no_cookie_is_absent_not_rejected() {
        let now = OffsetDateTime::now_utc();
        assert_eq!(config().open(&HeaderMap::new(), now), OpenedCookie::Absent);
        assert_eq!(config().open(&request_with_pair("theme=dark"), now), OpenedCookie::Absent);
    }

    #[test]
    fn each_login_gets_a_new_session_id() {
        let now = OffsetDateTime::now_utc();
        let first = config().start(ada(), now);
        let second = config().start(ada(), now);
        assert_ne!(first.secure.session_id, second.secure.session_id);
    }

    #[test]
    fn oversized_session_is_an_error_not_a_dropped_cookie() {
        let config = config();
        let user = UserSummary {
            id: 1,
            name: "x".repeat(4000),
        };
        assert_eq!(config.seal(&config.start(user, OffsetDateTime::now_utc())), Err(AppError::Internal));
    }

    #[test]
    fn public_info_has_no_secure_section() {
        let session = config().start(ada(), OffsetDateTime::now_utc());
        let json = serde_json::to_string(&session.info()).unwrap();
        assert!(!json.contains(&session.secure.session_id) && !json.contains("secure"));
    }

    #[test]
    fn removal_expires_the_cookie() {
        let text = config().removal().to_str().unwrap().to_owned();
        assert!(text.starts_with("session=;") || text.starts_with("session=\"\";"), "{text}");
        assert!(text.contains("Max-Age=0") && text.contains("Path=/"), "{text}");
    }
}
