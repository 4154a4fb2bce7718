//! Mailed links: password resets, email verification, and an email
//! change's confirmation and undo.

use crate::{
    error::AppError,
    model::{Done, SignInOutcome},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};

#[cfg(feature = "ssr")]
use crate::{
    backend::{
        email_change,
        http::{client_address, respond_to_form, FormPost},
        recovery::{self, ResetOutcome},
        session, state, two_factor,
    },
    domain::{Email, Password},
};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// `POST /api/auth/forgot-password`: mails a reset link if an account has
/// this email; the answer is the same either way.
#[server(prefix = "/api", endpoint = "auth/forgot-password")]
pub async fn forgot_password(#[server(default)] email: String) -> Result<Done, AppError> {
    let result = async {
        let email = Email::parse(&email)?;
        recovery::request_password_reset(&state()?, email, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: ForgotPassword::PATH,
        page: "/forgot-password",
        success: "/forgot-password?sent=1",
        refill: &[("email", &email)],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/reset-password`: sets a new password with a mailed token,
/// ends every other session and logs this browser in.
#[server(prefix = "/api", endpoint = "auth/reset-password")]
pub async fn reset_password(
    #[server(default)] token: String,
    #[server(default)] password: String,
) -> Result<SignInOutcome, AppError> {
    let result = async {
        let password = Password::parse(&password)?;
        let state = state()?;
        let held = session::get_user_session();
        let held = held.as_ref().map(session::Session::record_key);
        let start = |user| session::new_session(&state, user);
        let reset = recovery::reset_password(&state, &token, password, client_address(), start, held).await?;
        match reset {
            ResetOutcome::SignedIn(started) => {
                session::issue(&state, &started.session)?;
                Ok(SignInOutcome::SignedIn(started.session.user))
            }
            ResetOutcome::SecondStepDue(pending) => {
                session::ask_code(&state, &pending)?;
                Ok(SignInOutcome::SecondStepDue { two_factor: true })
            }
        }
    }
    .await;
    let done = "/account?done=password";
    let post = FormPost {
        form: ResetPassword::PATH,
        page: "/reset-password",
        success: &two_factor::next_page(&result, done),
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `GET /api/auth/mailed-link?page=/reset-password&token=...`: 200 while
/// the link to that page with that token works, 400 once it does not; it
/// stays unspent either way.
#[server(prefix = "/api", endpoint = "auth/mailed-link", input = GetUrl)]
pub async fn check_mailed_link(
    #[server(default)] page: String,
    #[server(default)] token: String,
) -> Result<Done, AppError> {
    recovery::check_link(&state()?, &page, &token).await?;
    Ok(Done {})
}

/// `POST /api/auth/verify-email`: confirms the address a verification link
/// was sent to (and, followed while signed in to that account, that the
/// address's owner holds its ways in).
#[server(prefix = "/api", endpoint = "auth/verify-email")]
pub async fn verify_email(#[server(default)] token: String) -> Result<Done, AppError> {
    let result = async {
        let session_user = session::get_user_session().map(|session| session.user.id);
        recovery::verify_email(&state()?, &token, session_user, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: VerifyEmail::PATH,
        page: "/verify-email",
        success: "/verify-email?done=1",
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/verification-email`: mails a new verification link.
#[server(prefix = "/api", endpoint = "account/verification-email")]
pub async fn send_verification_email() -> Result<Done, AppError> {
    let result = async {
        let current = session::require_user_session()?;
        recovery::resend_verification_link(&state()?, current.user.id, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: SendVerificationEmail::PATH,
        page: "/account",
        success: "/account?done=verification-sent",
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/confirm-email`: makes the address a change link was
/// mailed to the account's login, verified; the old address is mailed a
/// way back.
#[server(prefix = "/api", endpoint = "auth/confirm-email")]
pub async fn confirm_email(#[server(default)] token: String) -> Result<Done, AppError> {
    let result = async {
        email_change::confirm_change(&state()?, &token, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: ConfirmEmail::PATH,
        page: "/confirm-email",
        success: "/confirm-email?done=1",
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/auth/undo-email-change`: puts back the address an undo link
/// was mailed to and ends every session of the account, this browser's too.
#[server(prefix = "/api", endpoint = "auth/undo-email-change")]
pub async fn undo_email_change(#[server(default)] token: String) -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        email_change::undo_change(&state, &token, client_address()).await?;
        session::forget_cookie(&state)?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: UndoEmailChange::PATH,
        page: "/undo-email-change",
        success: "/undo-email-change?done=1",
        refill: &[],
    };
    respond_to_form(result, post)
}
