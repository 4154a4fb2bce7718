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
pub struct CurrentSession(pub Option<Session>);

/// Opens the cookie once per request and puts the session in the request's
/// extensions. A cookie that fails to open, or whose session was revoked, is
/// deleted in the response; one sealed with an old key or half-way through its
/// idle lifetime is re-sealed.
pub async fn load_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let now = state.clock.now();
    let (session, reject, reseal) = match state.sessions.open(request.headers(), now) {
        OpenedCookie::Absent => (None, false, false),
        OpenedCookie::Rejected => (None, true, false),
        OpenedCookie::Valid { session, reseal } => {
            let standing = state
                .db
                .session_standing(session.user.id, &session.secure.session_id)
                .await;
            match standing {
                Ok(Some(standing)) if standing.security_stamp == session.secure.security_stamp && !standing.ended => {
                    (Some(session), false, reseal)
                }
                Ok(_) => (None, true, false),
                // A page is answered with a page, an API call with JSON.
                Err(AppError::Unavailable) if !request.uri().path().starts_with("/api/") => {
                    return unavailable_page();
                }
                Err(err) => return err.into_response(),
            }
        }
    };
    request.extensions_mut().insert(CurrentSession(session.clone()));
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
