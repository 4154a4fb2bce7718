//! Signing in and out with a password, and the session itself.

use crate::{
    error::AppError,
    model::{SessionView, SignInOutcome, UserSummary},
};
use leptos::prelude::*;
use leptos::server_fn::codec::{DeleteUrl, GetUrl};

#[cfg(feature = "ssr")]
use crate::{
    backend::{
        accounts,
        http::{client_address, respond_to_form, FormPost},
        session, state, two_factor,
    },
    domain::{check_login_form, NewAccount},
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
        let state = state()?;
        let signed_in = accounts::register(&state, account, client_address()).await?;
        session::sign_in(&state, &signed_in).await?;
        Ok(signed_in.user)
    }
    .await;
    let post = FormPost {
        form: Register::PATH,
        page: "/register",
        success: "/users",
        refill: &[("name", &name), ("email", &email)],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/login`: checks the credentials and starts a new session,
/// or, with two-step verification on, a sign-in waiting for a code.
/// `redirect` is where a plain form post lands afterwards (local paths only).
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] redirect: String,
) -> Result<SignInOutcome, AppError> {
    let result = async {
        check_login_form(&email, &password)?;
        let state = state()?;
        let signed_in = accounts::login(&state, &email, &password, client_address(), session::trusted_device).await?;
        session::sign_in_or_ask_code(&state, &signed_in).await
    }
    .await;
    let target = crate::domain::safe_redirect_target(&redirect);
    let post = FormPost {
        form: Login::PATH,
        page: "/login",
        success: &two_factor::next_page(&result, &target),
        refill: &[("email", &email)],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/two-factor`: finishes a sign-in waiting for its second
/// step with a code of the authenticator app or an unused recovery code.
#[server(prefix = "/api", endpoint = "auth/two-factor")]
pub async fn two_factor(
    #[server(default)] code: String,
    #[server(default)] redirect: String,
) -> Result<UserSummary, AppError> {
    let result = async {
        crate::domain::check_code_form(&code)?;
        let state = state()?;
        session::finish_second_step(&state, &code).await
    }
    .await;
    let post = FormPost {
        form: TwoFactor::PATH,
        page: "/two-factor",
        success: &crate::domain::safe_redirect_target(&redirect),
        refill: &[],
    };
    respond_to_form(result, post)
}

/// Where a browser lands once it logged out (or ended its own session):
/// the login page, saying so.
pub const LOGGED_OUT_PAGE: &str = "/login?done=logged-out";

/// `POST /api/auth/logout`: deletes the session cookie.
#[server(prefix = "/api", endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    let post = FormPost {
        form: Logout::PATH,
        page: "/",
        success: LOGGED_OUT_PAGE,
        refill: &[],
    };
    respond_to_form(session::clear_user_session().await, post)
}

/// `GET /api/_auth/session`: the public part of the session, `{}` when logged out.
#[server(prefix = "/api", endpoint = "_auth/session", input = GetUrl)]
pub async fn get_session() -> Result<SessionView, AppError> {
    Ok(SessionView {
        session: session::session_info(),
    })
}

/// `DELETE /api/_auth/session`: the same as logging out.
#[server(prefix = "/api", endpoint = "_auth/session", input = DeleteUrl)]
pub async fn end_session() -> Result<(), AppError> {
    session::clear_user_session().await
}
