//! The user list and profiles, for logged-in users.

use crate::{
    error::AppError,
    model::{UserProfile, UserSummary},
};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use crate::backend::{session, session::ChecksSessionInItsQuery, state};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

// The page of users and the session check are one statement.
#[cfg(feature = "ssr")]
inventory::submit! { ChecksSessionInItsQuery(ListUsers::PATH) }

/// `GET /api/users?limit=&after=` (or `&before=`): one page of users in id order.
#[server(prefix = "/api", endpoint = "users", input = GetUrl)]
pub async fn list_users(
    limit: Option<String>,
    after: Option<String>,
    before: Option<String>,
) -> Result<Vec<UserSummary>, AppError> {
    let state = state()?;
    let check = session::session_to_check()?;
    let page = crate::domain::PageRequest::parse(limit.as_deref(), after.as_deref(), before.as_deref())?;
    let session = &check.session;
    let (standing, users) = state
        .db
        .users_page_for_session(
            session.user.id,
            &session.secure.session_id,
            state.clock.unix_now(),
            page,
        )
        .await?;
    check.settle(&state, standing)?;
    Ok(users)
}

/// `GET /api/user?id=`: one user's profile.
#[server(prefix = "/api", endpoint = "user", input = GetUrl)]
pub async fn get_user(#[server(default)] id: String) -> Result<UserProfile, AppError> {
    let state = state()?;
    session::require_verified_user(&state)?;
    let id = crate::domain::parse_user_id(&id)?;
    state.db.find_user(id).await?.ok_or(AppError::NotFound)
}
