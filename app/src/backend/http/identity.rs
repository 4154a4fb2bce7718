//! Sign-in at identity providers over HTTP: `GET /auth/<id>` (and `POST
//! /auth/<id>/link` from the account page) send the browser to the provider
//! with a sealed cookie naming the flow; `GET /auth/<id>/callback` brings it
//! back. Every outcome is a redirect, as both are browser navigations: to
//! the page the user was going to, or back to `/login` (or `/account`) with
//! the problem in a flash. Plain handlers, as the provider's id is in the path.

use super::client::address_in;
use crate::{
    backend::{
        oidc::{self, Callback, Finished, FlowPurpose},
        session::{pending_cookie, session_record, start_session, CurrentSession, Session},
        two_factor, AppState,
    },
    domain::{reauthentication_target, safe_redirect_target},
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
    /// `1`: the logged-in user proves who they are again with an identity
    /// linked to them, and comes back to `redirect` with a fresh proof.
    reauthenticate: Option<String>,
}

/// Whether a `GET` is the browser's own navigation from this site (or typed,
/// or from a bookmark or a mail): only that may start a flow, which stores
/// state. An `<img>` or a link on another site must not, or any page could
/// make its visitors' browsers fill the database. Browsers that send no
/// `Sec-Fetch-*` headers cannot be told apart and are let through.
fn is_own_navigation(request: &Parts) -> bool {
    let header = |name: &str| request.headers.get(name).and_then(|value| value.to_str().ok());
    let site_ok = header("sec-fetch-site").is_none_or(|site| matches!(site, "same-origin" | "none"));
    let mode_ok = header("sec-fetch-mode").is_none_or(|mode| mode == "navigate");
    site_ok && mode_ok
}

/// `GET /auth/<id>?redirect=<path>`: to the provider, to sign in (or, with
/// `reauthenticate=1`, to prove who the logged-in user is again).
#[utoipa::path(
    get,
    path = "/auth/{provider}",
    tag = "providers",
    params(("provider" = String, Path, description = "The provider's configured id"), SignInQuery),
    responses(
        (status = 303, description = "To the provider, with the flow's cookie; back to `/login` with the problem when the provider cannot be reached; to `/login` (or `/reauthenticate`) with nothing started when the request is not this site's own navigation, or a re-authentication comes without a session"),
        (status = 404, description = "No such provider", body = ErrorBody),
    )
)]
pub async fn start_identity_sign_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<SignInQuery>,
    request: Parts,
) -> Response {
    let redirect = query.redirect.as_deref().unwrap_or_default();
    let purpose = match (query.reauthenticate.as_deref(), logged_in(&request)) {
        (Some("1"), Some(session)) => FlowPurpose::Reauthenticate(session.user.id),
        (Some("1"), None) => return see_other(&login_page_for(redirect), Vec::new()),
        _ => FlowPurpose::SignIn,
    };
    if state.identity_providers.get(&id).is_some() && !is_own_navigation(&request) {
        return see_other(purpose.page(), Vec::new());
    }
    let return_to = match purpose {
        FlowPurpose::SignIn => safe_redirect_target(redirect),
        _ => reauthentication_target(redirect),
    };
    to_provider(&state, &id, return_to, purpose, &request).await
}

/// The login page, coming back to `redirect` (a local path) after.
fn login_page_for(redirect: &str) -> String {
    let back = safe_redirect_target(redirect);
    format!(
        "/login?redirect={}",
        percent_encoding::utf8_percent_encode(&back, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// `POST /auth/<id>/link`: to the provider, to link an account there to the
/// logged-in user.
#[utoipa::path(
    post,
    path = "/auth/{provider}/link",
    tag = "providers",
    params(("provider" = String, Path, description = "The provider's configured id")),
    responses(
        (status = 303, description = "To the provider, with the flow's cookie; to `/login` when logged out; to `/reauthenticate` without a recent proof of identity; back to `/account` with the problem when the provider cannot be reached or the email is not verified"),
        (status = 404, description = "No such provider", body = ErrorBody),
    ),
    security((), ("session" = []))
)]
pub async fn start_identity_link(State(state): State<AppState>, Path(id): Path<String>, request: Parts) -> Response {
    let Some(current) = request.extensions.get::<CurrentSession>() else {
        return AppError::Internal.into_response();
    };
    let Some(session) = &current.session else {
        return see_other(&login_page_for("/account"), Vec::new());
    };
    if !state.sessions.is_fresh(session, state.clock.now()) {
        return see_other("/reauthenticate?redirect=%2Faccount", Vec::new());
    }
    let purpose = FlowPurpose::Link(session.user.id);
    // A lasting way in is only for the address's owner.
    if !current.email_verified() {
        return back_with(&state, AppError::EmailUnverified, purpose);
    }
    to_provider(&state, &id, "/account".into(), purpose, &request).await
}

async fn to_provider(state: &AppState, id: &str, return_to: String, purpose: FlowPurpose, request: &Parts) -> Response {
    let Some(provider) = state.identity_providers.get(id) else {
        return AppError::NotFound.into_response();
    };
    let client = address_in(&request.extensions);
    match oidc::start(state, provider, return_to, purpose, client).await {
        Ok((flow_id, url)) => match state.identity_providers.flow_cookie().seal(&flow_id) {
            Ok(cookie) => see_other(url.as_str(), vec![cookie]),
            Err(err) => err.into_response(),
        },
        Err(err) => back_with(state, err, purpose),
    }
}

/// `GET /auth/<id>/callback`: the return from the provider.
#[utoipa::path(
    get,
    path = "/auth/{provider}/callback",
    tag = "providers",
    params(("provider" = String, Path, description = "The provider's configured id"), Callback),
    responses(
        (status = 303, description = "Signed in (a new session cookie) to the flow's `redirect` path, re-authenticated (a new session cookie) to it, or linked to `/account`; otherwise back to `/login` (`/account` for a linking, `/reauthenticate` for a re-authentication) with the problem"),
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
        Err((err, purpose)) => back_with(&state, err, purpose),
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
        purpose,
        return_to,
        identity,
    } = finished;
    let Some(user_id) = purpose.user() else {
        let signed_in = match oidc::sign_in(state, id, &identity, client).await {
            Ok(signed_in) => signed_in,
            Err(err) => return back_with(state, err, purpose),
        };
        // With two-step verification on, the provider was the first step.
        match pending_cookie(state, &signed_in).await {
            Ok(Some(cookie)) => return see_other(&two_factor::second_step_page(&return_to), vec![cookie]),
            Ok(None) => {}
            Err(err) => return back_with(state, err, purpose),
        }
        return match start_session(state, &signed_in, Some(request)).await {
            Ok((_, cookies)) => see_other(&return_to, cookies),
            Err(err) => back_with(state, err, purpose),
        };
    };
    // The browser must still be logged in as the user who started it.
    let Some(session) = logged_in(request).filter(|session| session.user.id == user_id) else {
        return back_with(state, AppError::SignInExpired, purpose);
    };
    if let FlowPurpose::Link(_) = purpose {
        return match oidc::link(state, session, id, &identity, client).await {
            Ok(()) => see_other("/account?done=identity-linked", Vec::new()),
            Err(err) => back_with(state, err, purpose),
        };
    }
    let next = state.sessions.reauthenticated(session, state.clock.now());
    let record = session_record(state, &next, request);
    let reauthenticated = oidc::reauthenticate(state, session, id, &identity, client, &record).await;
    match reauthenticated.and_then(|()| state.sessions.seal(&next, state.clock.now())) {
        Ok(cookie) => see_other(&return_to, vec![cookie]),
        Err(err) => back_with(state, err, purpose),
    }
}

fn logged_in(request: &Parts) -> Option<&Session> {
    request
        .extensions
        .get::<CurrentSession>()
        .and_then(|current| current.session.as_ref())
}

/// Back to the page the flow started from, which shows `err`.
fn back_with(state: &AppState, err: AppError, purpose: FlowPurpose) -> Response {
    let page = purpose.page();
    let flash = FormFlash {
        form: IDENTITY_FLASH.to_owned(),
        values: Vec::new(),
        error: err,
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
