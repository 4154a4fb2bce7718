//! The HTTP API, as server functions: each parses its input, calls one domain
//! function and maps the result. Every one of them is a public endpoint.
//!
//! Inputs are form-encoded so `<form>`s work without JavaScript; arguments
//! default to empty so a missing field is a validation error, not a decoding one.

use crate::{
    error::AppError,
    model::{SessionView, UserProfile, UserSummary},
};
use leptos::prelude::*;
use leptos::server_fn::codec::{DeleteUrl, GetUrl};

#[cfg(feature = "ssr")]
use crate::{
    backend::{
        accounts,
        http::{client_address, respond_to_form, FormPost},
        session, state,
    },
    domain::{check_login_form, check_password_change, NewAccount},
};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// `POST /api/register`: creates the account and logs it in.
#[server(prefix = "/api", endpoint = "register")]
pub async fn register(
    #[server(default)] name: String,
    #[server(default)] email: String,
    #[server(default)] password: String,
) -> Result<UserSummary, AppError> {
    let result = async {
        let account = NewAccount::parse(&name, &email, &password)?;
        let signed_in = accounts::register(&state()?, account, client_address()).await?;
        session::sign_in(&signed_in)?;
        Ok(signed_in.user)
    }
    .await;
    let post = FormPost {
        form: Register::PATH,
        page: "/register",
        success: "/users",
        kept: &[("name", &name), ("email", &email)],
    };
    respond_to_form(result, post, || NewAccount::parse(&name, &email, &password))
}

/// `POST /api/auth/login`: checks the credentials and starts a new session.
/// `redirect` is where a plain form post lands afterwards (local paths only).
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] redirect: String,
) -> Result<UserSummary, AppError> {
    let result = async {
        let signed_in =
            accounts::login(&state()?, &email, &password, client_address(), session::trusted_device).await?;
        session::sign_in(&signed_in)?;
        Ok(signed_in.user)
    }
    .await;
    let post = FormPost {
        form: Login::PATH,
        page: "/login",
        success: &crate::domain::safe_redirect_target(&redirect),
        kept: &[("email", &email)],
    };
    respond_to_form(result, post, || check_login_form(&email, &password))
}

/// `POST /api/auth/logout`: deletes the session cookie.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    let post = FormPost {
        form: Logout::PATH,
        page: "/",
        success: "/login",
        kept: &[],
    };
    respond_to_form(session::clear_user_session().await, post, || Ok(()))
}

/// `GET /api/users?limit=&after=` (or `&before=`): one page of users in id order.
#[server(prefix = "/api", endpoint = "users", input = GetUrl)]
pub async fn list_users(
    limit: Option<String>,
    after: Option<String>,
    before: Option<String>,
) -> Result<Vec<UserSummary>, AppError> {
    session::require_user_session()?;
    let page = crate::domain::PageRequest::parse(limit.as_deref(), after.as_deref(), before.as_deref())?;
    state()?.db.list_users(page).await
}

/// `GET /api/user?id=`: one user's profile.
#[server(prefix = "/api", endpoint = "user", input = GetUrl)]
pub async fn get_user(#[server(default)] id: String) -> Result<UserProfile, AppError> {
    session::require_user_session()?;
    let id = crate::domain::parse_user_id(&id)?;
    state()?.db.find_user(id).await?.ok_or(AppError::NotFound)
}

/// `GET /api/_auth/session`: the public part of the session, `{}` when logged out.
#[server(prefix = "/api", endpoint = "_auth/session", input = GetUrl)]
pub async fn get_session() -> Result<SessionView, AppError> {
    Ok(SessionView {
        session: session::get_user_session().map(|s| s.info()),
    })
}

/// `DELETE /api/_auth/session`: the same as logging out.
#[server(prefix = "/api", endpoint = "_auth/session", input = DeleteUrl)]
pub async fn end_session() -> Result<(), AppError> {
    session::clear_user_session().await
}

/// `POST /api/account/logout-everywhere`: ends every session of the user on
/// every device; this browser gets a new one.
#[server(prefix = "/api", endpoint = "account/logout-everywhere")]
pub async fn logout_everywhere() -> Result<(), AppError> {
    let result = async {
        let current = session::require_user_session()?;
        let stamp = accounts::log_out_everywhere(&state()?, &current, client_address()).await?;
        session::reissue_user_session(&current, stamp)?;
        Ok(())
    }
    .await;
    let post = FormPost {
        form: LogoutEverywhere::PATH,
        page: "/account",
        success: "/account?done=logout-everywhere",
        kept: &[],
    };
    respond_to_form(result, post, || Ok(()))
}

/// `POST /api/account/password`: changes the password given the current one,
/// ending every other session.
#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(
    #[server(default)] current_password: String,
    #[server(default)] new_password: String,
) -> Result<(), AppError> {
    let result = async {
        let current = session::require_user_session()?;
        let new = check_password_change(&current_password, &new_password)?;
        let stamp = accounts::change_password(&state()?, &current, &current_password, new, client_address()).await?;
        session::replace_user_session(current.user, stamp)?;
        Ok(())
    }
    .await;
    let post = FormPost {
        form: ChangePassword::PATH,
        page: "/account",
        success: "/account?done=password",
        kept: &[],
    };
    respond_to_form(result, post, || check_password_change(&current_password, &new_password))
}
