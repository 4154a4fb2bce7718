//! Signing in with a passkey, usernameless: the authenticator says whose it is.

use super::{
    ceremony::{begin, parse_answer, take, SignIn},
    credential_id, internal, stored_credential, webauthn_internal,
};
use crate::{
    backend::{
        accounts::{audit_refusal, SignedIn},
        ceremony,
        limits::Counter,
        AppState,
    },
    error::AppError,
    model::{PasskeyChallenge, UserSummary},
};
use std::net::IpAddr;
use webauthn_rs::prelude::{Passkey, PublicKeyCredential};

/// "Sign in with a passkey" (and autofill), first step: a challenge for any
/// passkey of this site.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn start_sign_in(state: &AppState, client: IpAddr) -> Result<PasskeyChallenge, AppError> {
    let (options, authentication) = state
        .passkeys
        .webauthn
        .start_discoverable_authentication()
        .map_err(webauthn_internal)?;
    begin(state, &SignIn { authentication }, None, &options, client).await
}

/// "Sign in with a passkey", second step: the passkey must be one stored
/// here, of the user its authenticator names, signing this ceremony's
/// challenge with a counter ahead of the last one seen. Failures count
/// against the network's login limit like wrong passwords.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn finish_sign_in(
    state: &AppState,
    ceremony: &str,
    credential: &str,
    client: IpAddr,
) -> Result<SignedIn, AppError> {
    audit_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::LoginByAddress(client)])
            .await,
        || tracing::warn!(target: "audit", action = "login", outcome = "rate_limited", method = "passkey", %client),
    )?;
    let (_, sign_in) = take::<SignIn>(state, ceremony).await?;
    let refused = |reason: &str| {
        tracing::info!(target: "audit", action = "login", outcome = "failure", method = "passkey", reason, %client);
        AppError::PasskeyRefused
    };
    let answer: PublicKeyCredential = parse_answer(credential, AppError::PasskeyRefused)?;
    let webauthn = &state.passkeys.webauthn;
    let (user_handle, raw_id) = webauthn
        .identify_discoverable_authentication(&answer)
        .map_err(|_| refused("no user handle"))?;
    let id = credential_id(raw_id);
    let Some(owner) = state.db.passkey_owner(&id).await? else {
        return Err(refused("unknown passkey"));
    };
    // The authenticator names the account; the passkey must belong to it.
    if owner.user_handle != user_handle.to_string() {
        return Err(refused("user handle of another account"));
    }
    let mut passkey: Passkey = serde_json::from_str(&owner.credential).map_err(internal)?;
    let result = webauthn
        .finish_discoverable_authentication_v2(&answer, sign_in.authentication, &passkey)
        .map_err(|err| refused(&err.to_string()))?;
    passkey.update_credential(&result);
    let updated = stored_credential(&passkey)?;
    let now = state.clock.unix_now();
    // Checked against what was read: a parallel sign-in that moved the
    // counter first makes this one a replay of an older signature.
    if !state
        .db
        .record_passkey_use(&id, &owner.credential, &updated, now)
        .await?
    {
        return Err(refused("passkey changed meanwhile"));
    }
    state.limits.refund(&state.db, Counter::LoginByAddress(client)).await;
    ceremony::succeeded(state, client).await;
    tracing::info!(target: "audit", action = "login", outcome = "success", method = "passkey", user_id = owner.user_id, %client);
    Ok(SignedIn {
        user: UserSummary {
            id: owner.user_id,
            name: owner.user_name,
        },
        email: owner.email,
    })
}
