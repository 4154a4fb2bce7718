//! What server functions call: the request's session, and logging in and out.

use super::{CurrentSession, Session};
use crate::{
    backend::{accounts::SignedIn, device::TrustedDevice, http::client_address, AppState},
    error::AppError,
    model::UserSummary,
};
use http::header::SET_COOKIE;
use leptos::prelude::use_context;
use time::OffsetDateTime;

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

/// Logs `user` in: a brand-new session (new id, the user's current security
/// stamp, a full lifetime) replaces whatever the request carried.
pub fn replace_user_session(user: UserSummary, security_stamp: String) -> Result<Session, AppError> {
    let state = crate::backend::state()?;
    let now = state.clock.now();
    issue(&state, state.sessions.start(user, security_stamp, now), now)
}

/// Carries `current` over to the user's new security stamp, keeping its
/// lifetime: see [`SessionConfig::succeed`].
pub fn reissue_user_session(current: &Session, security_stamp: String) -> Result<Session, AppError> {
    let state = crate::backend::state()?;
    let now = state.clock.now();
    issue(&state, state.sessions.succeed(current, security_stamp, now), now)
}

/// Logs in a user who has just proved who they are, and marks this browser
/// as one they log in from (see `device`).
pub fn sign_in(signed_in: &SignedIn) -> Result<Session, AppError> {
    let session = replace_user_session(signed_in.user.clone(), signed_in.security_stamp.clone())?;
    let state = crate::backend::state()?;
    let device = state.devices.issue(&signed_in.email, state.clock.now())?;
    response_options()?.append_header(SET_COOKIE, device);
    Ok(session)
}

/// The device cookie of the request being served, if it vouches for `email`.
pub fn trusted_device(email: &str) -> Option<TrustedDevice> {
    let request = use_context::<http::request::Parts>()?;
    let state = crate::backend::state().ok()?;
    state.devices.trusted_for(&request.headers, email, state.clock.now())
}

fn issue(state: &AppState, session: Session, now: OffsetDateTime) -> Result<Session, AppError> {
    let cookie = state.sessions.seal(&session, now)?;
    response_options()?.append_header(SET_COOKIE, cookie);
    Ok(session)
}

/// Logs out: the session is recorded as ended (so a copy of the cookie is
/// refused from now on) and the browser is told to delete the cookie.
pub async fn clear_user_session() -> Result<(), AppError> {
    let state = crate::backend::state()?;
    if let Some(session) = get_user_session() {
        state
            .db
            .end_session(
                &session.secure.session_id,
                session.absolute_expires_at.unix_timestamp(),
                state.clock.unix_now(),
            )
            .await?;
        tracing::info!(
            target: "audit",
            action = "logout",
            outcome = "success",
            user_id = session.user.id,
            client = %client_address(),
        );
    }
    response_options()?.append_header(SET_COOKIE, state.sessions.removal());
    Ok(())
}

fn response_options() -> Result<leptos_axum::ResponseOptions, AppError> {
    use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)
}
