//! What server functions call: the request's session, and logging in and out.

use super::{middleware::DeferredCheck, CurrentSession, Session};
use crate::backend::audit::AuditEvent;
use crate::backend::clock::UnixTime;
use crate::{
    backend::{
        accounts::SignedIn,
        db::{SessionRecord, SessionStanding},
        device::TrustedDevice,
        http::{address_in, client_address, user_agent_of},
        lifecycle,
        limits::Counter,
        notices::{notify, Notice},
        two_factor::{self, PendingSignIn},
        AppState,
    },
    error::AppError,
    model::{SessionInfo, SignInOutcome, UserSummary},
};
use http::{header::SET_COOKIE, HeaderValue};
use leptos::prelude::use_context;
use std::net::{IpAddr, Ipv4Addr};

fn current() -> Option<CurrentSession> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<CurrentSession>()
        .cloned()
}

/// The session of the request being served, if it has a valid one.
pub fn get_user_session() -> Option<Session> {
    current()?.session
}

/// The session of the request being served, or 401.
pub fn require_user_session() -> Result<Session, AppError> {
    get_user_session().ok_or(AppError::Unauthorized)
}

/// The session of the request being served, if its user proved who they
/// are within `REAUTHENTICATION_MAX_AGE`: what every change to how the
/// account signs in, or whose it is, asks for. 401 without a session, 403
/// [`AppError::ReauthenticationRequired`] with an older proof.
pub fn require_fresh_session(state: &AppState) -> Result<Session, AppError> {
    let session = require_user_session()?;
    if !state.sessions.is_fresh(&session, state.clock.now()) {
        return Err(AppError::ReauthenticationRequired);
    }
    Ok(session)
}

/// The session of the request being served, or 401; or 403 when the
/// configuration requires a verified email and the user's is not.
pub fn require_verified_user(state: &AppState) -> Result<Session, AppError> {
    let current = current().ok_or(AppError::Unauthorized)?;
    admit(state, current.email_verified())?;
    current.session.ok_or(AppError::Unauthorized)
}

/// 403 when the configuration requires a verified email and the user's is not.
fn admit(state: &AppState, email_verified: bool) -> Result<(), AppError> {
    if state.require_verified_email && !email_verified {
        return Err(AppError::EmailUnverified);
    }
    Ok(())
}

/// The request's session for a handler that checks it in the statement
/// that reads its answer (see `middleware::checks_in_its_query`), or 401
/// without one; the handler then passes what its statement found to
/// [`DeferredCheck::settle`]. When the middleware has checked the session
/// already (a page rendered on the server calls such a handler too), the
/// handler's statement checks it again, at no cost beyond the statement
/// the handler makes anyway.
pub fn session_to_check() -> Result<DeferredCheck, AppError> {
    let current = current().ok_or(AppError::Unauthorized)?;
    current
        .deferred
        .or_else(|| current.session.map(DeferredCheck::new))
        .ok_or(AppError::Unauthorized)
}

impl DeferredCheck {
    /// The session, now that the handler's statement has found it valid
    /// (`standing`); or 401 when it found it not, or 403 as
    /// [`require_verified_user`].
    pub fn settle(self, state: &AppState, standing: Option<SessionStanding>) -> Result<Session, AppError> {
        self.record(standing);
        admit(state, standing.ok_or(AppError::Unauthorized)?.email_verified)?;
        Ok(self.session)
    }
}

/// The public part of the request's session.
pub fn session_info() -> Option<SessionInfo> {
    let current = current()?;
    Some(current.session?.info(current.standing?))
}

/// A session about to start, and its record.
pub struct NewSession {
    pub session: Session,
    pub record: SessionRecord,
}

/// A brand-new session for `user`, who has just proved who they are (new id,
/// a full lifetime), described by the request being served.
pub fn new_session(state: &AppState, user: UserSummary) -> NewSession {
    described(
        state,
        state.sessions.start(user, state.clock.now()),
        use_context::<http::request::Parts>().as_ref(),
    )
}

/// The session that carries `current` on once every session of its user has
/// ended: see [`SessionConfig::succeed`](super::SessionConfig::succeed).
pub fn successor_session(state: &AppState, current: &Session) -> NewSession {
    described(
        state,
        state.sessions.succeed(current, state.clock.now()),
        use_context::<http::request::Parts>().as_ref(),
    )
}

/// The session that replaces `current` once its user has proved who they
/// are again: see [`SessionConfig::reauthenticated`](super::SessionConfig::reauthenticated).
pub fn reauthenticated_session(state: &AppState, current: &Session) -> NewSession {
    described(
        state,
        state.sessions.reauthenticated(current, state.clock.now()),
        use_context::<http::request::Parts>().as_ref(),
    )
}

/// The record of `session`, describing the browser of `request`.
pub fn session_record(state: &AppState, session: &Session, request: &http::request::Parts) -> SessionRecord {
    described(state, session.clone(), Some(request)).record
}

/// The client address of `request`; unspecified without one.
fn address_of(request: Option<&http::request::Parts>) -> IpAddr {
    request.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |request| {
        address_in(&request.extensions)
    })
}

/// `session`, and its record describing the browser of `request`.
fn described(state: &AppState, session: Session, request: Option<&http::request::Parts>) -> NewSession {
    let user_agent = request
        .map(|request| user_agent_of(&request.headers))
        .unwrap_or_default();
    let address = address_of(request);
    let record = SessionRecord {
        id: session.secure.session_id.clone(),
        user_id: session.user.id,
        created_at: UnixTime::from_seconds(session.logged_in_at.unix_timestamp()),
        last_seen_at: state.clock.unix_now(),
        expires_at: UnixTime::from_seconds(session.absolute_expires_at.unix_timestamp()),
        user_agent,
        address: address.to_string(),
    };
    NewSession { session, record }
}

/// Sends the cookie of a session whose record is stored.
pub fn issue(state: &AppState, session: &Session) -> Result<(), AppError> {
    let cookie = state.sessions.seal(session, state.clock.now())?;
    response_options()?.append_header(SET_COOKIE, cookie);
    Ok(())
}

/// Logs in a user who has just proved who they are, beside their other
/// sessions, and marks this browser as one they log in from (see `device`).
pub async fn sign_in(state: &AppState, signed_in: &SignedIn) -> Result<Session, AppError> {
    let request = use_context::<http::request::Parts>();
    let (session, cookies) = start_session(state, signed_in, request.as_ref()).await?;
    let options = response_options()?;
    for cookie in cookies {
        options.append_header(SET_COOKIE, cookie);
    }
    Ok(session)
}

/// Mails the owner of an account signed in to from a browser it had not
/// been signed in from, at most once a limit window, so that nobody can
/// flood the owner's mailbox by signing in from fresh browsers.
async fn tell_of_new_browser(state: &AppState, signed_in: &SignedIn, record: &SessionRecord, client: IpAddr) {
    let counter = [Counter::NewSignInNoticeByUser(signed_in.user.id)];
    if state.limits.reserve(&state.db, &counter).await.is_err() {
        return;
    }
    let notice = Notice::NewSignIn {
        how: &signed_in.method,
        browser: &record.user_agent,
    };
    notify(state, signed_in.user.id, notice, client).await;
}

/// Signs in a user who has proved a password (or finished a reset): at
/// once, or, with two-step verification on, by leaving the sign-in pending
/// in its cookie until a code follows.
pub async fn sign_in_or_ask_code(state: &AppState, signed_in: &SignedIn) -> Result<SignInOutcome, AppError> {
    if let Some(cookie) = pending_cookie(state, signed_in).await? {
        response_options()?.append_header(SET_COOKIE, cookie);
        return Ok(SignInOutcome::SecondStepDue { two_factor: true });
    }
    sign_in(state, signed_in).await?;
    Ok(SignInOutcome::SignedIn(signed_in.user.clone()))
}

/// Leaves `pending` in the browser, waiting for its code.
pub fn ask_code(state: &AppState, pending: &PendingSignIn) -> Result<(), AppError> {
    response_options()?.append_header(SET_COOKIE, state.pending_sign_ins.issue(pending)?);
    Ok(())
}

/// Finishes the request's sign-in waiting for its second step with `code`:
/// the session starts and the pending sign-in is forgotten. Without one (none,
/// expired, forged) [`AppError::SignInExpired`].
pub async fn finish_second_step(state: &AppState, code: &str) -> Result<UserSummary, AppError> {
    let request = use_context::<http::request::Parts>().ok_or(AppError::Internal)?;
    let pending = state
        .pending_sign_ins
        .open(&request.headers, state.clock.unix_now().seconds())
        .ok_or(AppError::SignInExpired)?;
    let signed_in = two_factor::finish_sign_in(state, &pending, code, client_address()).await?;
    sign_in(state, &signed_in).await?;
    response_options()?.append_header(SET_COOKIE, state.pending_sign_ins.removal());
    Ok(signed_in.user)
}

/// The cookie of a sign-in waiting for its second step, when the user has
/// two-step verification on; `None` when the session may start now (and
/// [`start_session`] refuses a disabled account).
pub async fn pending_cookie(state: &AppState, signed_in: &SignedIn) -> Result<Option<HeaderValue>, AppError> {
    if !two_factor::second_step_due(state, signed_in).await? {
        return Ok(None);
    }
    lifecycle::refuse_disabled(state, signed_in.user.id, client_address()).await?;
    let pending = PendingSignIn::after(signed_in, state.clock.unix_now().seconds());
    state.pending_sign_ins.issue(&pending).map(Some)
}

/// [`sign_in`] for a handler outside the app's server functions: the
/// session of the browser of `request`, stored, and the cookies to send:
/// the session's, and after a password a device cookie (see `device`),
/// unless the client's network has been given its share of those. A
/// session the browser still held ends, whoever's it was: its cookie is
/// replaced, and a copy of it must not live on.
pub async fn start_session(
    state: &AppState,
    signed_in: &SignedIn,
    request: Option<&http::request::Parts>,
) -> Result<(Session, Vec<HeaderValue>), AppError> {
    lifecycle::refuse_disabled(state, signed_in.user.id, address_of(request)).await?;
    let started = described(
        state,
        state.sessions.start(signed_in.user.clone(), state.clock.now()),
        request,
    );
    let held = request
        .and_then(|request| request.extensions.get::<CurrentSession>())
        .and_then(|current| current.session.as_ref());
    state
        .db
        .insert_session(&started.record, held.map(Session::record_key), state.clock.unix_now())
        .await?;
    let mut cookies = vec![state.sessions.seal(&started.session, state.clock.now())?];
    let no_headers = http::HeaderMap::new();
    let headers = request.map_or(&no_headers, |request| &request.headers);
    if !state.devices.knows(headers, signed_in.user.id) {
        cookies.push(state.devices.remember(headers, signed_in.user.id)?);
        if !signed_in.new_account {
            tell_of_new_browser(state, signed_in, &started.record, address_of(request)).await;
        }
    }
    if let Some(stamp) = &signed_in.password_stamp {
        let client = address_of(request);
        let counter = [Counter::DeviceCookieByAddress(client)];
        match state.limits.reserve(&state.db, &counter).await {
            Ok(()) => cookies.push(state.devices.issue(&signed_in.email, stamp, state.clock.now())?),
            Err(AppError::TooManyRequests { .. }) => {
                AuditEvent::DeviceCookieLimited {
                    user_id: signed_in.user.id,
                }
                .record(client);
            }
            Err(err) => return Err(err),
        }
    }
    Ok((started.session, cookies))
}

/// The device cookie of the request being served, if it vouches for `email`
/// and the password stamped `stamp`.
pub fn trusted_device(email: &str, stamp: &str) -> Option<TrustedDevice> {
    let request = use_context::<http::request::Parts>()?;
    let state = crate::backend::state().ok()?;
    state
        .devices
        .trusted_for(&request.headers, email, stamp, state.clock.now())
}

/// Logs out: the session's record is deleted (so a copy of the cookie is
/// refused from now on) and the browser is told to delete the cookie.
pub async fn clear_user_session() -> Result<(), AppError> {
    let state = crate::backend::state()?;
    if let Some(session) = get_user_session() {
        state
            .db
            .end_session(session.user.id, &session.secure.session_id)
            .await?;
        AuditEvent::LoggedOut {
            user_id: session.user.id,
        }
        .record(client_address());
    }
    forget_cookie(&state)
}

/// Tells the browser to delete the session cookie.
pub fn forget_cookie(state: &AppState) -> Result<(), AppError> {
    response_options()?.append_header(SET_COOKIE, state.sessions.removal());
    Ok(())
}

fn response_options() -> Result<leptos_axum::ResponseOptions, AppError> {
    use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)
}
