//! The sealed session cookie: the session lives in one cookie encrypted and
//! authenticated with AES-256-GCM (axum-extra's `PrivateCookieJar`), so any app
//! server holding the key can serve any user without a session store.
//!
//! Lifetime: a session expires after `max_age` without use, is re-sealed (rolled
//! forward) once half of that has passed, and never outlives `absolute_max_age`
//! from login. Revocation: each request with a valid cookie costs one SQL
//! statement (two primary-key probes, see `db::session_standing`) that checks
//! the user's security stamp, replaced by "log out everywhere" and password
//! changes, and the small table of sessions ended by logout.
//!
//! `cookie` is the pure logic of sealing and opening, `middleware` opens the
//! cookie once per request, and `helpers` are what server functions call
//! (`get`, `require`, `replace`, `clear`).

mod cookie;
mod helpers;
mod middleware;

pub use cookie::{CookieKeys, Lifetimes, OpenedCookie, SecureData, Session, SessionConfig};
pub use helpers::{
    clear_user_session, get_user_session, reissue_user_session, replace_user_session, require_user_session, sign_in,
    trusted_device,
};
pub use middleware::{load_session, CurrentSession};
