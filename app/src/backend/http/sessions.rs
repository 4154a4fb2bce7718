//! `DELETE /api/account/sessions/{id}`: an id in the path, which a server
//! function cannot take, so a plain handler around the same domain function
//! as the account page's `End` form.

use super::client::address_in;
use crate::{
    backend::{active_sessions, session::CurrentSession, AppState},
    error::AppError,
    model::Done,
};
use axum::{
    extract::{Path, Request, State},
    response::{IntoResponse, Json, Response},
};
use http::header::SET_COOKIE;

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
    match active_sessions::end(&state, &current, &id, client).await {
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
