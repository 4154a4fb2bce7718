//! The middleware that opens the session cookie once per request.

use super::{OpenedCookie, Session};
use crate::{
    backend::{db::SessionStanding, http::unavailable_page, AppState},
    error::AppError,
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{
    header::{CACHE_CONTROL, SET_COOKIE},
    HeaderValue, Method,
};
use std::sync::{Arc, OnceLock};

/// The request's session, as opened by [`load_session`].
#[derive(Debug, Clone)]
pub struct CurrentSession {
    /// The session, checked against its record; `None` on a request whose
    /// check is [`deferred`](Self::deferred).
    pub session: Option<Session>,
    /// What the check found of the session and its user, as of this
    /// request; `None` whenever `session` is.
    pub standing: Option<SessionStanding>,
    /// The cookie's session, not yet checked, on a request whose handler
    /// checks it in its own statement (see [`checks_in_its_query`]); out of
    /// reach but through `helpers::session_to_check`.
    pub(super) deferred: Option<DeferredCheck>,
}

/// A session its handler checks in the same statement as its own query, and
/// what that check found, for [`load_session`] to act on afterwards.
#[derive(Debug, Clone)]
pub struct DeferredCheck {
    pub session: Session,
    found: Arc<OnceLock<Option<SessionStanding>>>,
}

impl CurrentSession {
    /// Whether the user's email is verified, as of this request.
    pub fn email_verified(&self) -> bool {
        self.standing.is_some_and(|standing| standing.email_verified)
    }
}

impl DeferredCheck {
    pub(super) fn new(session: Session) -> Self {
        Self {
            session,
            found: Arc::default(),
        }
    }

    /// Records what the handler's check found: `None` when the session is
    /// no longer valid.
    pub(super) fn record(&self, standing: Option<SessionStanding>) {
        // A second answer within one request can only repeat the first.
        let _ = self.found.set(standing);
    }
}

/// What the database says of the session a cookie carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Not asked (no cookie, or one that did not open), or it could not answer.
    Unknown,
    /// Ended, expired, or its user is gone: no session (the cookie stays,
    /// see [`load_session`]).
    Gone,
    Valid(SessionStanding),
}

impl From<Option<SessionStanding>> for Verdict {
    fn from(standing: Option<SessionStanding>) -> Self {
        standing.map_or(Self::Gone, Self::Valid)
    }
}

/// How stale a session's "last seen" may get: writing it on every request
/// would make every request a write.
const LAST_SEEN_RESOLUTION: i64 = 60;

/// Declared by a `GET` handler (with `inventory::submit!`, beside it) that
/// checks the session in the statement that reads its answer, one statement
/// where two would be made (see `docs/performance.md`): the path it serves.
/// Such a handler must take its session from
/// [`helpers::session_to_check`](super::helpers::session_to_check); every
/// other helper sees no session on these requests, so a handler that forgets
/// is refused (401), never served unchecked.
pub struct ChecksSessionInItsQuery(pub &'static str);

inventory::collect!(ChecksSessionInItsQuery);

fn checks_in_its_query(request: &Request) -> bool {
    request.method() == Method::GET
        && inventory::iter::<ChecksSessionInItsQuery>().any(|handler| request.uri().path() == handler.0)
}

/// Opens the cookie once per request and puts the session, checked against
/// its record, in the request's extensions (or leaves the check to the
/// handler, see [`checks_in_its_query`]). A cookie that fails to open
/// (tampered, truncated, foreign or expired) is deleted in the response; one
/// sealed with an old key or half-way through its idle lifetime is re-sealed.
/// A cookie whose session was ended is answered as no session but left in
/// place: a sign-in in the same browser ends the session it held, and a
/// request still on its way with the old cookie would otherwise delete the
/// new one when its answer comes back (a tab's fetch racing a login in
/// another tab). Left in place, it is dead on every server, and the next
/// sign-in replaces it.
pub async fn load_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let now = state.clock.now();
    let (opened, reject, reseal) = match state.sessions.open(request.headers(), now) {
        OpenedCookie::Absent => (None, false, false),
        OpenedCookie::Rejected => (None, true, false),
        OpenedCookie::Valid { session, reseal } => (Some(session), false, reseal),
    };
    let deferred = opened
        .clone()
        .filter(|_| checks_in_its_query(&request))
        .map(DeferredCheck::new);
    let mut verdict = Verdict::Unknown;
    if let (Some(session), None) = (&opened, &deferred) {
        verdict = match check(&state, session).await {
            Ok(standing) => Verdict::from(standing),
            // A page is answered with a page, an API call with JSON.
            Err(AppError::Unavailable) if !request.uri().path().starts_with("/api/") => {
                return unavailable_page();
            }
            Err(err) => return err.into_response(),
        };
        note_last_seen(&state, session, verdict).await;
    }
    let standing = match verdict {
        Verdict::Valid(standing) => Some(standing),
        _ => None,
    };
    request.extensions_mut().insert(CurrentSession {
        session: opened.clone().filter(|_| standing.is_some()),
        standing: standing.filter(|_| opened.is_some()),
        deferred: deferred.clone(),
    });
    let mut response = next.run(request).await;
    if let (Some(session), Some(deferred)) = (&opened, &deferred) {
        // The handler answered without checking (bad input, say): the
        // cookie is still to be judged.
        verdict = match deferred.found.get() {
            Some(found) => Verdict::from(*found),
            None => check(&state, session).await.map_or(Verdict::Unknown, Verdict::from),
        };
        note_last_seen(&state, session, verdict).await;
    }
    let valid = matches!(verdict, Verdict::Valid(_));
    let config = &state.sessions;
    let mut sets_cookie = config.is_set_by(&response);
    if !sets_cookie {
        let cookie = if reject {
            Some(config.removal())
        } else {
            opened
                .as_ref()
                .filter(|_| valid && reseal)
                .and_then(|session| config.seal(&config.renew(session.clone(), now), now).ok())
        };
        if let Some(cookie) = cookie {
            response.headers_mut().append(SET_COOKIE, cookie);
            sets_cookie = true;
        }
    }
    // Nothing personal may be kept by a shared cache or the back/forward cache
    // of a browser someone else uses next.
    if opened.is_some() || sets_cookie {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The per-request check of a session that opened: `None` when its record
/// is gone or expired.
async fn check(state: &AppState, session: &Session) -> Result<Option<SessionStanding>, AppError> {
    let unix_now = state.clock.unix_now();
    state
        .db
        .session_standing(session.user.id, &session.secure.session_id, unix_now)
        .await
}

/// Notes that `session` was seen now, if its record says otherwise by more
/// than [`LAST_SEEN_RESOLUTION`].
async fn note_last_seen(state: &AppState, session: &Session, verdict: Verdict) {
    let unix_now = state.clock.unix_now();
    let Verdict::Valid(standing) = verdict else {
        return;
    };
    if unix_now.since(standing.last_seen_at) < LAST_SEEN_RESOLUTION {
        return;
    }
    if let Err(err) = state.db.touch_session(&session.secure.session_id, unix_now).await {
        tracing::warn!(error = %err, "could not note when a session was last seen");
    }
}
