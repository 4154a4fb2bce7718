//! Passkeys: signing up and in with one, adding and removing them, proving it is you with one.

use crate::{
    error::AppError,
    model::{Done, PasskeyChallenge, PasskeySummary, SignInMethods, UserSummary},
};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use crate::{
    backend::{
        http::{client_address, respond_to_form, FormPost},
        passkeys, session,
        sign_in_methods::{self, Removable},
        state,
    },
    domain::{NewPasskeyAccount, PasskeyName},
};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// `POST /api/auth/passkey/register/options`: the first step of "Create
/// account with a passkey", for this name and email.
#[server(prefix = "/api", endpoint = "auth/passkey/register/options")]
pub async fn passkey_sign_up_options(
    #[server(default)] name: String,
    #[server(default)] email: String,
) -> Result<PasskeyChallenge, AppError> {
    let account = NewPasskeyAccount::parse(&name, &email)?;
    passkeys::start_sign_up(&state()?, account, client_address()).await
}

/// `POST /api/auth/passkey/register`: creates the account with the new
/// passkey (`credential`: the browser's `PublicKeyCredential.toJSON()`) and
/// logs it in.
#[server(prefix = "/api", endpoint = "auth/passkey/register")]
pub async fn passkey_sign_up(
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<UserSummary, AppError> {
    let state = state()?;
    let signed_in = passkeys::finish_sign_up(&state, &ceremony, &credential, client_address()).await?;
    session::sign_in(&state, &signed_in).await?;
    Ok(signed_in.user)
}

/// `POST /api/auth/passkey/login/options`: a challenge for any passkey of
/// this site (the button, and autofill on the login form).
#[server(prefix = "/api", endpoint = "auth/passkey/login/options")]
pub async fn passkey_sign_in_options() -> Result<PasskeyChallenge, AppError> {
    passkeys::start_sign_in(&state()?, client_address()).await
}

/// `POST /api/auth/passkey/login`: signs in with the passkey that answered
/// the challenge, starting a new session like a password login.
#[server(prefix = "/api", endpoint = "auth/passkey/login")]
pub async fn passkey_sign_in(
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<UserSummary, AppError> {
    let state = state()?;
    let signed_in = passkeys::finish_sign_in(&state, &ceremony, &credential, client_address()).await?;
    session::sign_in(&state, &signed_in).await?;
    Ok(signed_in.user)
}

/// `GET /api/account/passkeys`: whether the user has a password, and their passkeys.
#[server(prefix = "/api", endpoint = "account/passkeys", input = GetUrl)]
pub async fn list_passkeys() -> Result<SignInMethods, AppError> {
    let current = session::require_user_session()?;
    sign_in_methods::of(&state()?, &current).await
}

/// `POST /api/account/passkeys/options`: the first step of "Add a passkey".
/// Needs a recent proof and a verified email.
#[server(prefix = "/api", endpoint = "account/passkeys/options")]
pub async fn add_passkey_options() -> Result<PasskeyChallenge, AppError> {
    let state = state()?;
    let current = session::require_fresh_session(&state)?;
    passkeys::start_adding(&state, &current.user, client_address()).await
}

/// `POST /api/account/passkeys`: stores the new passkey under `passkey_name`.
#[server(prefix = "/api", endpoint = "account/passkeys")]
pub async fn add_passkey(
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
    #[server(default)] passkey_name: String,
) -> Result<PasskeySummary, AppError> {
    let state = state()?;
    let current = session::require_fresh_session(&state)?;
    let name = PasskeyName::parse(&passkey_name)?;
    passkeys::finish_adding(&state, &current, &ceremony, &credential, name, client_address()).await
}

/// `POST /api/account/remove-passkey`: removes one of the user's passkeys,
/// unless it is their only way to sign in (409). Needs a recent proof.
#[server(prefix = "/api", endpoint = "account/remove-passkey")]
pub async fn remove_passkey(#[server(default)] id: String) -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        sign_in_methods::remove(&state, current.user.id, Removable::Passkey(&id), client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: RemovePasskey::PATH,
        page: "/account",
        success: "/account?done=passkey-removed",
        refill: &[],
    };
    respond_to_form(result, post)
}

/// `POST /api/account/reauthenticate/passkey/options`: the first step of
/// "Confirm with a passkey".
#[server(prefix = "/api", endpoint = "account/reauthenticate/passkey/options")]
pub async fn reauthenticate_passkey_options() -> Result<PasskeyChallenge, AppError> {
    let current = session::require_user_session()?;
    passkeys::start_reauthentication(&state()?, current.user.id, client_address()).await
}

/// `POST /api/account/reauthenticate/passkey`: proves who the user is with
/// one of their passkeys, as `POST /api/account/reauthenticate` does with the
/// password.
#[server(prefix = "/api", endpoint = "account/reauthenticate/passkey")]
pub async fn reauthenticate_with_passkey(
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<Done, AppError> {
    let current = session::require_user_session()?;
    let state = state()?;
    let next = session::reauthenticated_session(&state, &current);
    passkeys::finish_reauthentication(&state, &current, &ceremony, &credential, client_address(), &next.record).await?;
    session::issue(&state, &next.session)?;
    Ok(Done {})
}
