//! Two-step verification's settings: setting it up, turning it on with a
//! code, off, and new recovery codes. Each but turning it on (which proves
//! the authenticator) needs a fresh proof of identity; the second step of a
//! sign-in is `auth::two_factor`.

use crate::{
    error::AppError,
    model::{Done, RecoveryCodes, TwoFactorSetup},
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::backend::{
    http::{client_address, leave_codes_for_page, respond_to_form, FormPost},
    session, state, two_factor,
};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// `POST /api/account/two-factor/setup`: a new secret to put in an
/// authenticator app, waiting to be confirmed.
#[server(prefix = "/api", endpoint = "account/two-factor/setup")]
pub async fn set_up_two_factor() -> Result<TwoFactorSetup, AppError> {
    let result = async {
        let state = state()?;
        let session = session::require_fresh_session(&state)?;
        two_factor::set_up(&state, session.user.id).await
    }
    .await;
    // The account page shows the set-up again while the proof is fresh.
    let post = FormPost {
        form: SetUpTwoFactor::PATH,
        page: "/account",
        success: "/account#two-factor",
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/two-factor/enable`: turns it on with a code of the
/// secret set up; the recovery codes, shown this once.
#[server(prefix = "/api", endpoint = "account/two-factor/enable")]
pub async fn enable_two_factor(#[server(default)] code: String) -> Result<RecoveryCodes, AppError> {
    let result = async {
        let session = session::require_user_session()?;
        crate::domain::check_code_form(&code)?;
        let state = state()?;
        let recovery_codes = two_factor::enable(&state, session.user.id, &code, client_address()).await?;
        leave_codes_for_page(session.user.id, &recovery_codes)?;
        Ok(RecoveryCodes { recovery_codes })
    }
    .await;
    let post = FormPost {
        form: EnableTwoFactor::PATH,
        page: "/account",
        success: "/account?done=two-factor-on",
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/two-factor/disable`: turns it off.
#[server(prefix = "/api", endpoint = "account/two-factor/disable")]
pub async fn disable_two_factor() -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        let session = session::require_fresh_session(&state)?;
        two_factor::disable(&state, session.user.id, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: DisableTwoFactor::PATH,
        page: "/account",
        success: "/account?done=two-factor-off",
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/two-factor/recovery-codes`: a new set of recovery
/// codes; the old set stops working.
#[server(prefix = "/api", endpoint = "account/two-factor/recovery-codes")]
pub async fn new_recovery_codes() -> Result<RecoveryCodes, AppError> {
    let result = async {
        let state = state()?;
        let session = session::require_fresh_session(&state)?;
        let recovery_codes = two_factor::renew_recovery_codes(&state, session.user.id, client_address()).await?;
        leave_codes_for_page(session.user.id, &recovery_codes)?;
        Ok(RecoveryCodes { recovery_codes })
    }
    .await;
    let post = FormPost {
        form: NewRecoveryCodes::PATH,
        page: "/account",
        success: "/account?done=recovery-codes",
        refill: &[],
    };
    respond_to_form(result, post)
}
