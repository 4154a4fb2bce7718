//! Sealing and opening the session cookie: pure logic, no request in sight.
//! Every `now` is whole seconds, as [`Clock`](crate::backend::clock::Clock)
//! gives it: expiries are sealed to the second.

use crate::backend::db::{SessionId, SessionStanding};
use crate::{
    backend::sealed::{Opened, SealedCookie},
    domain::UserId,
    error::AppError,
    model::{SessionInfo, SessionUser, UserSummary},
};
use axum::response::Response;
use axum_extra::extract::cookie::{Key, SameSite};
use http::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::{format_description::well_known::Rfc3339, Duration, OffsetDateTime};

/// What the cookie holds once opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub user: UserSummary,
    #[serde(with = "time::serde::rfc3339")]
    pub logged_in_at: OffsetDateTime,
    /// When the user last proved who they are in this session (a login by any
    /// method, a registration, a password reset, a re-authentication): what
    /// changes to the account's sign-in methods ask to be recent. Renewing the
    /// cookie never moves it. Cookies sealed before it existed open as never.
    #[serde(with = "time::serde::timestamp", default = "never")]
    pub authenticated_at: OffsetDateTime,
    /// When the session ends unless used again. Checked on every request: the
    /// cookie's Max-Age is only a hint to the browser.
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
    /// When the session ends however much it is used.
    #[serde(with = "time::serde::timestamp")]
    pub absolute_expires_at: OffsetDateTime,
    /// Server-only data: sealed like the rest, and never sent to the browser in
    /// readable form by any endpoint, page or hydration payload.
    pub secure: SecureData,
}

fn never() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH
}

/// The session's part only the server reads, named after nuxt-auth-utils'
/// `secure` field: sealed in the cookie like the rest, never sent to the
/// page ([`Session::info`] leaves it out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecureData {
    /// Random per login: the id of the session's record, without which the
    /// session is over.
    pub session_id: SessionId,
}

impl Session {
    /// What names its record: its user and its id.
    pub fn record_key(&self) -> (UserId, &SessionId) {
        (self.user.id, &self.secure.session_id)
    }

    /// The part the browser may see, with what the per-request check found
    /// of its user.
    pub fn info(&self, standing: SessionStanding) -> SessionInfo {
        SessionInfo {
            user: SessionUser {
                id: self.user.id,
                name: self.user.name.clone(),
                email_verified: standing.email_verified,
                two_factor: standing.two_factor,
            },
            logged_in_at: self.logged_in_at.format(&Rfc3339).unwrap_or_default(),
        }
    }
}

/// What the request's cookie turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenedCookie {
    Absent,
    /// `reseal`: sealed with a previous key, or past half its idle lifetime
    /// with an expiry that renewing would move.
    Valid {
        session: Session,
        reseal: bool,
    },
    /// Present but tampered, truncated, sealed with an unknown key, or expired:
    /// treated as no session, and cleared in the response.
    Rejected,
}

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    /// Idle lifetime: the cookie's Max-Age.
    pub max_age: Duration,
    /// Longest a session lasts from login, however active.
    pub absolute_max_age: Duration,
    /// How recent a proof of identity must be for a change to the account's
    /// sign-in methods (`REAUTHENTICATION_MAX_AGE`).
    pub reauthentication_max_age: Duration,
}

/// The keys that seal this server's cookies (sessions and devices): the
/// current one first, then previous ones that still open cookies, which are
/// then re-sealed under the current one.
#[derive(Clone)]
pub struct CookieKeys(Vec<Key>);

impl CookieKeys {
    /// Every password must hold at least 32 bytes (checked when the
    /// configuration is read).
    pub fn derive(password: &SecretString, previous: &[SecretString]) -> Self {
        Self(
            std::iter::once(password)
                .chain(previous)
                .map(|password| Key::derive_from(password.expose_secret().as_bytes()))
                .collect(),
        )
    }

    pub(in crate::backend) fn current(&self) -> &Key {
        &self.0[0]
    }

    pub(in crate::backend) fn all(&self) -> impl Iterator<Item = &Key> {
        self.0.iter()
    }
}

/// The session cookie's name, after the app's prefix ([`crate::cookie_prefix`];
/// and `__Host-` over HTTPS).
pub const SESSION_COOKIE: &str = "session";

/// How sessions are sealed, fixed at startup.
pub struct SessionConfig {
    cookie: SealedCookie,
    lifetimes: Lifetimes,
}

impl SessionConfig {
    pub fn new(keys: CookieKeys, lifetimes: Lifetimes, secure: bool) -> Self {
        Self {
            cookie: SealedCookie::new(keys, SESSION_COOKIE, secure, SameSite::Lax, lifetimes.max_age),
            lifetimes,
        }
    }

    pub fn open(&self, headers: &HeaderMap, now: OffsetDateTime) -> OpenedCookie {
        match self.cookie.open_telling::<Session>(headers) {
            Opened::Absent => OpenedCookie::Absent,
            Opened::Valid {
                value: session,
                key_index,
            } if session.expires_at > now && session.absolute_expires_at > now => {
                let half_used = session.expires_at - now < self.lifetimes.max_age / 2;
                // Near the absolute expiry renewing changes nothing: no new cookie then.
                let renewable = self.renewed_expiry(&session, now) > session.expires_at;
                OpenedCookie::Valid {
                    reseal: key_index > 0 || (half_used && renewable),
                    session,
                }
            }
            Opened::Valid { .. } | Opened::Rejected => OpenedCookie::Rejected,
        }
    }

    /// A fresh session for `user`, who has just proved who they are: a new
    /// random id and a full absolute lifetime.
    pub fn start(&self, user: UserSummary, now: OffsetDateTime) -> Session {
        let absolute_expires_at = now + self.lifetimes.absolute_max_age;
        Session {
            user,
            logged_in_at: now,
            authenticated_at: now,
            expires_at: (now + self.lifetimes.max_age).min(absolute_expires_at),
            absolute_expires_at,
            secure: SecureData {
                session_id: SessionId::random(),
            },
        }
    }

    /// The session that replaces `previous` when every session of the user
    /// ends without the user proving who they are ("log out everywhere"): a
    /// new id, but the login time and absolute expiry of `previous`, so a
    /// stolen cookie cannot buy itself a new lifetime.
    pub fn succeed(&self, previous: &Session, now: OffsetDateTime) -> Session {
        let mut session = previous.clone();
        session.secure = SecureData {
            session_id: SessionId::random(),
        };
        self.renew(session, now)
    }

    /// The session that replaces `previous` once its user proves who they
    /// are again: a new id (the old one may have been seen), the proof's
    /// time, and the login time and absolute expiry of `previous`.
    pub fn reauthenticated(&self, previous: &Session, now: OffsetDateTime) -> Session {
        let mut session = self.succeed(previous, now);
        session.authenticated_at = now;
        session
    }

    /// Whether the user proved who they are recently enough in `session` to
    /// change how the account signs in.
    pub fn is_fresh(&self, session: &Session, now: OffsetDateTime) -> bool {
        now - session.authenticated_at <= self.lifetimes.reauthentication_max_age
    }

    /// The same session, its idle expiry moved forward (never past the absolute one).
    pub fn renew(&self, mut session: Session, now: OffsetDateTime) -> Session {
        session.expires_at = self.renewed_expiry(&session, now);
        session
    }

    fn renewed_expiry(&self, session: &Session, now: OffsetDateTime) -> OffsetDateTime {
        (now + self.lifetimes.max_age).min(session.absolute_expires_at)
    }

    /// The `Set-Cookie` value carrying `session`, sealed with the current key.
    pub fn seal(&self, session: &Session, now: OffsetDateTime) -> Result<HeaderValue, AppError> {
        self.cookie
            .seal_for(session, (session.expires_at - now).max(Duration::ZERO))
            .inspect_err(|_| tracing::error!("cannot seal the session: too large for a browser's cookie?"))
    }

    /// The `Set-Cookie` value that deletes the session cookie.
    pub fn removal(&self) -> HeaderValue {
        self.cookie.removal()
    }

    /// Whether `response` already sets this cookie.
    pub(super) fn is_set_by(&self, response: &Response) -> bool {
        self.cookie.is_set_by(response.headers())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::clock::Clock;
    use http::header::COOKIE;

    const PASSWORD: &str = "a test password that is long enough!";
    const OLD_PASSWORD: &str = "the previous password, also long enough";
    const LIFETIMES: Lifetimes = Lifetimes {
        max_age: Duration::days(7),
        absolute_max_age: Duration::days(30),
        reauthentication_max_age: Duration::minutes(10),
    };

    fn config() -> SessionConfig {
        SessionConfig::new(CookieKeys::derive(&PASSWORD.into(), &[]), LIFETIMES, false)
    }

    fn ada() -> UserSummary {
        UserSummary {
            id: crate::domain::UserId::new(7),
            name: "Ada".into(),
        }
    }

    fn sealed(config: &SessionConfig, now: OffsetDateTime) -> (Session, HeaderValue) {
        let session = config.start(ada(), now);
        let cookie = config.seal(&session, now).unwrap();
        (session, cookie)
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

    fn valid(session: Session, reseal: bool) -> OpenedCookie {
        OpenedCookie::Valid { session, reseal }
    }

    #[test]
    fn sealed_session_opens_to_the_same_session() {
        let config = config();
        let now = Clock::default().now();
        let (session, cookie) = sealed(&config, now);
        assert_eq!(config.open(&request_with(&cookie), now), valid(session, false));
    }

    #[test]
    fn cookie_attributes() {
        let now = Clock::default().now();
        let (_, cookie) = sealed(&config(), now);
        let text = cookie.to_str().unwrap();
        assert!(text.starts_with(concat!(crate::cookie_prefix!(), "session=")));
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
            assert!(text.contains(attribute), "{attribute} missing in {text}");
        }
        assert!(!text.contains("Secure"));
        let secure = SessionConfig::new(CookieKeys::derive(&PASSWORD.into(), &[]), LIFETIMES, true);
        let (_, text) = sealed(&secure, now);
        let text = text.to_str().unwrap();
        assert!(
            text.starts_with(concat!("__Host-", crate::cookie_prefix!(), "session=")) && text.contains("Secure"),
            "{text}"
        );
    }

    #[test]
    fn payload_is_unreadable() {
        let (_, cookie) = sealed(&config(), Clock::default().now());
        let text = cookie.to_str().unwrap();
        // Checked on the decoded bytes: a few letters turn up in random
        // base64 text about once in a thousand cookies.
        let value = text.split(';').next().unwrap().split_once('=').unwrap().1;
        let value = percent_encoding::percent_decode_str(value).decode_utf8().unwrap();
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, value.as_bytes()).unwrap();
        for plain in [&b"Ada"[..], b"session_id"] {
            assert!(!bytes.windows(plain.len()).any(|window| window == plain), "{text}");
        }
    }

    #[test]
    fn tampered_cookie_is_rejected() {
        let config = config();
        let now = Clock::default().now();
        let (_, cookie) = sealed(&config, now);
        let pair = cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        let (name, value) = pair.split_once('=').unwrap();
        let mut bytes = value.as_bytes().to_vec();
        // A base64 letter past the middle, outside any `%XX` escape: changing an
        // escape could make the header unreadable, which tests something else.
        let middle = (bytes.len() / 2..bytes.len())
            .find(|&i| bytes[i].is_ascii_alphanumeric() && !bytes[i - 2..i].contains(&b'%'))
            .unwrap();
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        let tampered = format!("{name}={}", String::from_utf8(bytes).unwrap());
        assert_eq!(config.open(&request_with_pair(&tampered), now), OpenedCookie::Rejected);
    }

    #[test]
    fn truncated_cookie_is_rejected() {
        let config = config();
        let now = Clock::default().now();
        let (_, cookie) = sealed(&config, now);
        let pair = cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        let name = pair.find('=').unwrap() + 1;
        for cut in [pair.len() - 1, pair.len() - 10, name + 5, name] {
            assert_eq!(
                config.open(&request_with_pair(&pair[..cut]), now),
                OpenedCookie::Rejected,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn cookie_sealed_with_an_unknown_key_is_rejected() {
        let now = Clock::default().now();
        let other = SessionConfig::new(
            CookieKeys::derive(&"another password, also long enough!!".into(), &[]),
            LIFETIMES,
            false,
        );
        let (_, cookie) = sealed(&other, now);
        assert_eq!(config().open(&request_with(&cookie), now), OpenedCookie::Rejected);
    }

    #[test]
    fn cookie_sealed_with_a_previous_key_opens_and_asks_to_be_resealed() {
        let now = Clock::default().now();
        let old = SessionConfig::new(CookieKeys::derive(&OLD_PASSWORD.into(), &[]), LIFETIMES, false);
        let (session, cookie) = sealed(&old, now);
        let rotated = SessionConfig::new(
            CookieKeys::derive(&PASSWORD.into(), &[OLD_PASSWORD.into()]),
            LIFETIMES,
            false,
        );
        assert_eq!(rotated.open(&request_with(&cookie), now), valid(session.clone(), true));
        let resealed = rotated.seal(&session, now).unwrap();
        assert_eq!(
            config().open(&request_with(&resealed), now),
            valid(session, false),
            "under the current key"
        );
        assert_eq!(old.open(&request_with(&resealed), now), OpenedCookie::Rejected);
    }

    #[test]
    fn expired_session_is_rejected_even_if_the_browser_sends_it() {
        let config = config();
        let now = Clock::default().now();
        let (_, cookie) = sealed(&config, now);
        let later = now + Duration::days(7) + Duration::seconds(1);
        assert!(matches!(
            config.open(&request_with(&cookie), now + Duration::days(6)),
            OpenedCookie::Valid { .. }
        ));
        assert_eq!(config.open(&request_with(&cookie), later), OpenedCookie::Rejected);
    }

    #[test]
    fn session_is_rolled_forward_after_half_its_idle_lifetime() {
        let config = config();
        let now = Clock::default().now();
        let (session, cookie) = sealed(&config, now);
        let early = now + Duration::days(3);
        assert_eq!(
            config.open(&request_with(&cookie), early),
            valid(session.clone(), false)
        );
        let late = now + Duration::days(4);
        assert_eq!(config.open(&request_with(&cookie), late), valid(session.clone(), true));
        let renewed = config.renew(session, late);
        assert_eq!(renewed.expires_at, late + Duration::days(7));
    }

    #[test]
    fn rolling_never_passes_the_absolute_expiry() {
        let config = config();
        let login = Clock::default().now();
        let mut session = config.start(ada(), login);
        let mut now = login;
        // Used every 4 days, the session still ends 30 days after login.
        while now < login + Duration::days(40) {
            now += Duration::days(4);
            let cookie = config.seal(&session, now.min(session.expires_at)).unwrap();
            match config.open(&request_with(&cookie), now) {
                OpenedCookie::Valid { session: open, .. } => session = config.renew(open, now),
                OpenedCookie::Rejected => break,
                OpenedCookie::Absent => unreachable!(),
            }
            assert!(session.expires_at <= session.absolute_expires_at);
        }
        assert!(
            now >= login + Duration::days(30) && now <= login + Duration::days(32),
            "ended at day {}",
            (now - login).whole_days()
        );
    }

    #[test]
    fn near_the_absolute_expiry_the_cookie_is_not_resealed() {
        let config = config();
        let login = Clock::default().now();
        let session = config.start(ada(), login);
        // Renewed at day 26: its idle expiry is now capped at the absolute one.
        let day_26 = login + Duration::days(26);
        let capped = config.renew(session, day_26);
        assert_eq!(capped.expires_at, capped.absolute_expires_at);
        let cookie = config.seal(&capped, day_26).unwrap();
        // Past half its idle lifetime, but renewing would change nothing.
        let day_27 = login + Duration::days(27);
        assert_eq!(config.open(&request_with(&cookie), day_27), valid(capped, false));
    }

    #[test]
    fn a_successor_session_keeps_the_login_time_and_absolute_expiry() {
        let config = config();
        let login = Clock::default().now();
        let session = config.start(ada(), login);
        let later = login + Duration::days(20);
        let successor = config.succeed(&session, later);
        assert_ne!(successor.secure.session_id, session.secure.session_id);
        assert_eq!(successor.logged_in_at, session.logged_in_at);
        assert_eq!(successor.absolute_expires_at, session.absolute_expires_at);
        assert!(successor.expires_at <= successor.absolute_expires_at);
    }

    #[test]
    fn only_a_new_proof_makes_a_session_fresh_again() {
        let config = config();
        let login = Clock::default().now();
        let session = config.start(ada(), login);
        assert!(config.is_fresh(&session, login + Duration::minutes(10)));
        let later = login + Duration::minutes(11);
        assert!(!config.is_fresh(&session, later));
        // Renewing the cookie or carrying it on after "log out everywhere" is no proof.
        assert!(!config.is_fresh(&config.renew(session.clone(), later), later));
        assert!(!config.is_fresh(&config.succeed(&session, later), later));
        let proved = config.reauthenticated(&session, later);
        assert!(config.is_fresh(&proved, later));
        assert_ne!(proved.secure.session_id, session.secure.session_id);
        assert_eq!(proved.logged_in_at, session.logged_in_at);
        assert_eq!(proved.absolute_expires_at, session.absolute_expires_at);
    }

    #[test]
    fn a_cookie_sealed_before_proofs_were_timed_is_never_fresh() {
        let config = config();
        let now = Clock::default().now();
        let mut json = serde_json::to_value(config.start(ada(), now)).unwrap();
        json.as_object_mut().unwrap().remove("authenticated_at");
        let session: Session = serde_json::from_value(json).unwrap();
        assert!(!config.is_fresh(&session, now));
    }

    #[test]
    fn no_cookie_is_absent_not_rejected() {
        let now = Clock::default().now();
        assert_eq!(config().open(&HeaderMap::new(), now), OpenedCookie::Absent);
        assert_eq!(
            config().open(&request_with_pair("theme=dark"), now),
            OpenedCookie::Absent
        );
    }

    #[test]
    fn each_login_gets_a_new_session_id() {
        let now = Clock::default().now();
        let first = config().start(ada(), now);
        let second = config().start(ada(), now);
        assert_ne!(first.secure.session_id, second.secure.session_id);
    }

    #[test]
    fn oversized_session_is_an_error_not_a_dropped_cookie() {
        let config = config();
        let now = Clock::default().now();
        let user = UserSummary {
            id: crate::domain::UserId::new(1),
            name: "x".repeat(4000),
        };
        assert_eq!(config.seal(&config.start(user, now), now), Err(AppError::Internal));
    }

    #[test]
    fn public_info_has_no_secure_section() {
        let session = config().start(ada(), Clock::default().now());
        let standing = SessionStanding {
            last_seen_at: crate::backend::clock::UnixTime::from_seconds(0),
            email_verified: true,
            two_factor: true,
        };
        let json = serde_json::to_string(&session.info(standing)).unwrap();
        assert!(!json.contains(session.secure.session_id.as_str()) && !json.contains("secure"));
    }

    #[test]
    fn removal_expires_the_cookie() {
        let text = config().removal().to_str().unwrap().to_owned();
        assert!(
            text.starts_with(concat!(crate::cookie_prefix!(), "session=;"))
                || text.starts_with(concat!(crate::cookie_prefix!(), "session=\"\";")),
            "{text}"
        );
        assert!(text.contains("Max-Age=0") && text.contains("Path=/"), "{text}");
    }
}
