//! The sealed session cookie: the session lives in one cookie encrypted and
//! authenticated with AES-256-GCM (axum-extra's `PrivateCookieJar`), so any app
//! server holding the key can open it; the database keeps only a record per
//! session (see "Revocation" below), which any server sharing it reads.
//!
//! Lifetime: a session expires after `max_age` without use, is re-sealed (rolled
//! forward) once half of that has passed, and never outlives `absolute_max_age`
//! from login. Revocation: every login has a record in the `sessions` table
//! (who, when, from where), named by an id the cookie carries; ending a session
//! deletes its record. Each request with a valid cookie costs one SQL statement
//! (two primary-key probes, see `db::session_standing`), made inside the
//! handler's own statement where it has one (`middleware::checks_in_its_query`),
//! and a write at most once a minute to note when the session was last seen.
//!
//! `cookie` is the pure logic of sealing and opening, `middleware` opens the
//! cookie once per request, and `helpers` are what server functions call
//! (`get`, `require`, `sign_in`, `clear`...).

mod cookie;
mod helpers;
mod middleware;

pub use cookie::{CookieKeys, Lifetimes, OpenedCookie, SecureData, Session, SessionConfig, SESSION_COOKIE};
pub use helpers::{
    ask_code, clear_user_session, finish_second_step, forget_cookie, get_user_session, issue, new_session,
    pending_cookie, reauthenticated_session, require_fresh_session, require_user_session, require_verified_user,
    session_info, session_record, session_to_check, sign_in, sign_in_or_ask_code, start_session, successor_session,
    trusted_device, NewSession,
};
pub use middleware::{load_session, ChecksSessionInItsQuery, CurrentSession, DeferredCheck};
