//! The middleware that opens the session cookie once per request.

use super::{OpenedCookie, Session};
use crate::{
    backend::{http::unavailable_page, AppState},
    error::AppError,
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{
    header::{CACHE_CONTROL, SET_COOKIE},
    HeaderValue,
};

/// The request's session, as opened by [`load_session`].
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub session: Option<Session>,
    /// Whether the user's email is verified, as of this request.
    pub email_verified: bool,
}

/// How stale a session's "last seen" may get: writing it on every request
/// would make every request a write.
const LAST_SEEN_RESOLUTION: i64 = 60;

/// Opens the cookie once per request and puts the session in the request's
/// extensions. A cookie that fails to open, or whose session was revoked, is
/// deleted in the response; one sealed with an old key or half-way through its
/// idle lifetime is re-sealed.
pub async fn load_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let now = state.clock.now();
    let unix_now = now.unix_timestamp();
    let (session, email_verified, reject, reseal) = match state.sessions.open(request.headers(), now) {
        OpenedCookie::Absent => (None, false, false, false),
        OpenedCookie::Rejected => (None, false, true, false),
        OpenedCookie::Valid { session, reseal } => {
            let session_id = &session.secure.session_id;
            let standing = state.db.session_standing(session.user.id, session_id, unix_now).await;
            match standing {
                Ok(Some(standing)) => {
                    if unix_now - standing.last_seen_at >= LAST_SEEN_RESOLUTION {
                        if let Err(err) = state.db.touch_session(session_id, unix_now).await {
                            tracing::warn!(error = %err, "could not note when a session was last seen");
                        }
                    }
                    (Some(session), standing.email_verified, false, reseal)
                }
                Ok(None) => (None, false, true, false),
                // A page is answered with a page, an API call with JSON.
                Err(AppError::Unavailable) if !request.uri().path().starts_with("/api/") => {
                    return unavailable_page();
                }
                Err(err) => return err.into_response(),
            }
        }
    };
    request.extensions_mut().insert(CurrentSession {
        session: session.clone(),
        email_verified,
    });
    let mut response = next.run(request).await;
    let config = &state.sessions;
    let mut sets_cookie = config.is_set_by(&response);
    if !sets_cookie {
        let cookie = if reject {
            Some(config.removal())
        } else {
            session
                .as_ref()
                .filter(|_| reseal)
                .and_then(|session| config.seal(&config.renew(session.clone(), now), now).ok())
        };
        if let Some(cookie) = cookie {
            response.headers_mut().append(SET_COOKIE, cookie);
            sets_cookie = true;
        }
    }
    // Nothing personal may be kept by a shared cache or the back/forward cache
    // of a browser someone else uses next.
    if session.is_some() || sets_cookie {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
