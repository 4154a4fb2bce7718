//! `DELETE /api/account/sessions/{id}`: an id in the path, which a server
//! function cannot take, so a plain handler around the same domain function
//! as the account page's `End` form.

use super::client::address_in;
use crate::{
    backend::{account_sessions, session::CurrentSession, AppState},
    error::{AppError, ErrorBody},
    model::Done,
};
use axum::{
    extract::{Path, Request, State},
    response::{IntoResponse, Json, Response},
};
use http::header::SET_COOKIE;

#[utoipa::path(
    delete,
    path = "/api/account/sessions/{id}",
    tag = "account",
    params(("id" = String, Path, description = "The session's id, as `GET /api/account/sessions` lists it")),
    responses(
        (status = 200, description = "Ended on every server; ending this session also clears its cookie", body = Done),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Another session, and no proof of identity within `REAUTHENTICATION_MAX_AGE` (`reauthentication_required`)", body = ErrorBody),
        (status = 404, description = "Not one of the user's sessions", body = ErrorBody),
    ),
    security(("session" = []))
)]
pub async fn delete_listed_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let client = address_in(request.extensions());
    let Some(current) = request
        .extensions()
        .get::<CurrentSession>()
        .and_then(|current| current.session.clone())
    else {
        return AppError::Unauthorized.into_response();
    };
    match account_sessions::end(&state, &current, &id, client).await {
        Ok(itself) => {
            let mut response = Json(Done {}).into_response();
            if itself {
                response.headers_mut().append(SET_COOKIE, state.sessions.removal());
            }
            response
        }
        Err(err) => err.into_response(),
    }
}
