//! Sign-in at identity providers over HTTP: `GET /auth/<id>` (and `POST
//! /auth/<id>/link` from the account page) send the browser to the provider
//! with a sealed cookie naming the flow; `GET /auth/<id>/callback` brings it
//! back. Every outcome is a redirect, as both are browser navigations: to
//! the page the user was going to, or back to `/login` (or `/account`) with
//! the problem in a flash. Plain handlers, as the provider's id is in the path.

use super::client::address_in;
use crate::{
    backend::{
        oidc::{self, Callback, Finished},
        session::{start_session, CurrentSession},
        AppState,
    },
    domain::safe_redirect_target,
    error::{AppError, ErrorBody},
    model::{FormFlash, IDENTITY_FLASH},
};
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    response::{IntoResponse, Response},
};
use http::{header, request::Parts, HeaderValue, StatusCode};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignInQuery {
    /// The local path to land on once signed in.
    redirect: Option<String>,
}

/// `GET /auth/<id>?redirect=<path>`: to the provider, to sign in.
#[utoipa::path(
    get,
    path = "/auth/{provider}",
    tag = "providers",
    params(("provider" = String, Path, description = "The provider's configured id"), SignInQuery),
    responses(
        (status = 303, description = "To the provider, with the flow's cookie; back to `/login` with the problem when the provider cannot be reached"),
        (status = 404, description = "No such provider", body = ErrorBody),
    )
)]
pub async fn start_identity_sign_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<SignInQuery>,
    request: Parts,
) -> Response {
    let return_to = safe_redirect_target(query.redirect.as_deref().unwrap_or_default());
    to_provider(&state, &id, return_to, None, &request).await
}

/// `POST /auth/<id>/link`: to the provider, to link an account there to the
/// logged-in user.
#[utoipa::path(
    post,
    path = "/auth/{provider}/link",
    tag = "providers",
    params(("provider" = String, Path, description = "The provider's configured id")),
    responses(
        (status = 303, description = "To the provider, with the flow's cookie; to `/login` when logged out; back to `/account` with the problem when the provider cannot be reached"),
        (status = 404, description = "No such provider", body = ErrorBody),
    ),
    security((), ("session" = []))
)]
pub async fn start_identity_link(State(state): State<AppState>, Path(id): Path<String>, request: Parts) -> Response {
    let Some(user_id) = logged_in_user(&request) else {
        return see_other("/login?redirect=%2Faccount", Vec::new());
    };
    to_provider(&state, &id, "/account".into(), Some(user_id), &request).await
}

async fn to_provider(
    state: &AppState,
    id: &str,
    return_to: String,
    link_user: Option<i64>,
    request: &Parts,
) -> Response {
    let Some(provider) = state.identity_providers.get(id) else {
        return AppError::NotFound.into_response();
    };
    let client = address_in(&request.extensions);
    match oidc::start(state, provider, return_to, link_user, client).await {
        Ok((flow_id, url)) => match state.identity_providers.flow_cookie().seal(&flow_id) {
            Ok(cookie) => see_other(url.as_str(), vec![cookie]),
            Err(err) => err.into_response(),
        },
        Err(err) => back_with(state, err, link_user),
    }
}

/// `GET /auth/<id>/callback`: the return from the provider.
#[utoipa::path(
    get,
    path = "/auth/{provider}/callback",
    tag = "providers",
    params(("provider" = String, Path, description = "The provider's configured id"), Callback),
    responses(
        (status = 303, description = "Signed in (a new session cookie) to the flow's `redirect` path, or linked to `/account`; otherwise back to `/login` (`/account` for a linking) with the problem"),
    )
)]
pub async fn finish_identity_sign_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    callback: Result<Query<Callback>, QueryRejection>,
    request: Parts,
) -> Response {
    let providers = &state.identity_providers;
    let client = address_in(&request.extensions);
    let flow_id: Option<String> = providers.flow_cookie().open(&request.headers);
    // A query that does not parse returns nothing of use: no code, no state.
    let callback = callback.map(|Query(callback)| callback).unwrap_or_default();
    let finished = oidc::finish(&state, &id, flow_id.as_deref(), &callback, client).await;
    let mut response = match finished {
        Ok(finished) => signed_in_or_linked(&state, &id, finished, &request).await,
        Err((err, link_user)) => back_with(&state, err, link_user),
    };
    // Single use: the browser forgets the flow whatever came of it.
    response
        .headers_mut()
        .append(header::SET_COOKIE, providers.flow_cookie().removal());
    response
}

async fn signed_in_or_linked(state: &AppState, id: &str, finished: Finished, request: &Parts) -> Response {
    let client = address_in(&request.extensions);
    let Finished {
        link_user,
        return_to,
        identity,
    } = finished;
    if let Some(user_id) = link_user {
        // The browser must still be logged in as the user who started it.
        if logged_in_user(request) != Some(user_id) {
            return back_with(state, AppError::SignInExpired, link_user);
        }
        return match oidc::link(state, user_id, id, &identity, client).await {
            Ok(()) => see_other("/account?done=identity-linked", Vec::new()),
            Err(err) => back_with(state, err, link_user),
        };
    }
    let signed_in = match oidc::sign_in(state, id, &identity, client).await {
        Ok(signed_in) => signed_in,
        Err(err) => return back_with(state, err, None),
    };
    match start_session(state, &signed_in, Some(request)).await {
        Ok((_, cookies)) => see_other(&return_to, cookies.to_vec()),
        Err(err) => back_with(state, err, None),
    }
}

fn logged_in_user(request: &Parts) -> Option<i64> {
    request
        .extensions
        .get::<CurrentSession>()
        .and_then(|current| current.session.as_ref())
        .map(|session| session.user.id)
}

/// Back to the page the flow started from (`/account` for a linking,
/// `/login` otherwise), which shows `err`.
fn back_with(state: &AppState, err: AppError, link_user: Option<i64>) -> Response {
    let page = match link_user {
        Some(_) => "/account",
        None => "/login",
    };
    let flash = FormFlash {
        form: IDENTITY_FLASH.to_owned(),
        values: Vec::new(),
        problems: vec![err],
    };
    let cookies = state.flashes.seal(flash, state.clock.now()).into_iter().collect();
    see_other(page, cookies)
}

/// A 303 to `location`, setting `cookies`; never kept by a cache.
fn see_other(location: &str, cookies: Vec<HeaderValue>) -> Response {
    let Ok(location) = HeaderValue::from_str(location) else {
        return AppError::Internal.into_response();
    };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}
