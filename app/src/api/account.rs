//! The logged-in user's own account: password, sessions, proving it is them again.

use crate::{
    error::AppError,
    model::{ActiveSession, ActivityEntry, Done},
};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use crate::{
    backend::{
        account_sessions, accounts, activity, email_change,
        http::{client_address, respond_to_form, FormPost},
        lifecycle, session, state,
    },
    domain::{check_first_password, check_password_change, Email},
};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// `POST /api/account/logout-everywhere`: ends every session of the user on
/// every device; this browser gets a new one. Needs a recent proof.
#[server(prefix = "/api", endpoint = "account/logout-everywhere")]
pub async fn logout_everywhere() -> Result<(), AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        let successor = session::successor_session(&state, &current);
        accounts::log_out_everywhere(&state, &current, &successor.record, client_address()).await?;
        session::issue(&state, &successor.session)
    }
    .await;
    let post = FormPost {
        form: LogoutEverywhere::PATH,
        page: "/account",
        success: "/account?done=logout-everywhere",
        refill: &[],
    };
    respond_to_form(result, post)
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
        let state = state()?;
        let next = session::new_session(&state, current.user.clone());
        accounts::change_password(&state, &current, &current_password, new, client_address(), &next.record).await?;
        session::issue(&state, &next.session)
    }
    .await;
    let post = FormPost {
        form: ChangePassword::PATH,
        page: "/account",
        success: "/account?done=password",
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/set-password`: the first password of an account made
/// with a passkey; every other session ends, as with any new password, and
/// this one carries on (its login time and absolute expiry). Needs a recent
/// proof.
#[server(prefix = "/api", endpoint = "account/set-password")]
pub async fn set_password(#[server(default)] new_password: String) -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        let new = check_first_password(&new_password)?;
        let next = session::successor_session(&state, &current);
        accounts::set_first_password(&state, &current, new, client_address(), &next.record).await?;
        session::issue(&state, &next.session)?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: SetPassword::PATH,
        page: "/account",
        success: "/account?done=password",
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `GET /api/account/sessions`: the user's sessions, newest first.
#[server(prefix = "/api", endpoint = "account/sessions", input = GetUrl)]
pub async fn list_sessions() -> Result<Vec<ActiveSession>, AppError> {
    let current = session::require_user_session()?;
    account_sessions::list(&state()?, &current).await
}

/// `POST /api/account/end-session`: what `DELETE /api/account/sessions/{id}`
/// does, for the account page's forms. Ending this very session logs out.
#[server(prefix = "/api", endpoint = "account/end-session")]
pub async fn end_listed_session(#[server(default)] id: String) -> Result<Done, AppError> {
    let result = async {
        let current = session::require_user_session()?;
        let state = state()?;
        let itself = account_sessions::end(&state, &current, &id, client_address()).await?;
        if itself {
            session::forget_cookie(&state)?;
        }
        Ok(itself)
    }
    .await;
    let post = FormPost {
        form: EndListedSession::PATH,
        page: "/account",
        success: if matches!(result, Ok(true)) {
            super::LOGGED_OUT_PAGE
        } else {
            "/account?done=session-ended"
        },
        refill: &[],
    };
    respond_to_form(result.map(|_| Done {}), post)
}

/// `POST /api/account/reauthenticate`: the logged-in user proves who they are
/// again with their password, before a change to how the account signs in.
/// The session gets a new id (and cookie), keeping its absolute expiry.
/// `redirect` is where an HTML form lands (local paths only; the account
/// page otherwise).
#[server(prefix = "/api", endpoint = "account/reauthenticate")]
pub async fn reauthenticate(
    #[server(default)] password: String,
    #[server(default)] redirect: String,
) -> Result<Done, AppError> {
    let result = async {
        let current = session::require_user_session()?;
        crate::domain::check_reauthentication_form(&password)?;
        let state = state()?;
        let next = session::reauthenticated_session(&state, &current);
        accounts::reauthenticate(&state, &current, &password, client_address(), &next.record).await?;
        session::issue(&state, &next.session)?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: Reauthenticate::PATH,
        page: "/reauthenticate",
        success: &crate::domain::reauthentication_target(&redirect),
        refill: &[],
    };
    respond_to_form(result, post)
}

/// Where a deleted account's browser lands.
pub const ACCOUNT_DELETED_PAGE: &str = "/?done=account-deleted";

/// `POST /api/account/delete`: deletes the account and everything of it;
/// every session ends, this browser's cookie is cleared, and the address
/// may register again. Needs a recent proof.
#[server(prefix = "/api", endpoint = "account/delete")]
pub async fn delete_account() -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        lifecycle::delete_account(&state, current.user.id, client_address()).await?;
        session::forget_cookie(&state)?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: DeleteAccount::PATH,
        page: "/account/delete",
        success: ACCOUNT_DELETED_PAGE,
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `GET /api/account/activity`: the account's newest events (sign-ins and
/// their failures, sign-outs, changes to how it signs in), newest first.
#[server(prefix = "/api", endpoint = "account/activity", input = GetUrl)]
pub async fn account_activity() -> Result<Vec<ActivityEntry>, AppError> {
    let current = session::require_user_session()?;
    activity::recent(&state()?, current.user.id).await
}

/// `POST /api/account/email`: mails a link to `email` that makes it the
/// account's address, and a notice to the address it has; nothing changes
/// yet. An address another account has gets the same answer. Needs a
/// recent proof.
#[server(prefix = "/api", endpoint = "account/email")]
pub async fn change_email(#[server(default)] email: String) -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        let email = Email::parse(&email)?;
        email_change::request_change(&state, current.user.id, &email, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: ChangeEmail::PATH,
        page: "/account",
        success: "/account?done=email-change-sent",
        refill: &[("email", &email)],
    };
    respond_to_form(result, post)
}
