//! Signing in with a passkey, usernameless: the authenticator says whose it is.

use super::{
    ceremony::{begin, parse_answer, take, Reauthentication, SignIn},
    credential_id, internal, stored_credential, webauthn_internal,
};
use crate::backend::audit::{record_refusal, AuditEvent, Method, Reason};
use crate::domain::UserId;
use crate::{
    backend::{
        accounts::SignedIn,
        db::{PasskeyOwner, SessionRecord},
        limits::Counter,
        session::Session,
        AppState,
    },
    error::AppError,
    model::{PasskeyChallenge, UserSummary},
};
use std::net::IpAddr;
use webauthn_rs::prelude::{DiscoverableAuthentication, Passkey, PublicKeyCredential};

/// "Sign in with a passkey" (and autofill), first step: a challenge for any
/// passkey of this site.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn start_sign_in(state: &AppState, client: IpAddr) -> Result<PasskeyChallenge, AppError> {
    let (options, authentication) = state
        .passkeys
        .webauthn()?
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
    let refused = |reason: &str| {
        AuditEvent::LoginFailed {
            method: Method::Passkey,
            user_id: None,
            email: None,
            reason: Some(&reason as Reason),
            trusted_device: None,
        }
        .record(client);
        AppError::PasskeyRefused
    };
    let limited = AuditEvent::LoginLimited {
        method: Method::Passkey,
        email: None,
        trusted_device: None,
    };
    reserve_attempt(state, limited, client).await?;
    let (_, sign_in) = take::<SignIn>(state, ceremony).await?;
    let owner = verified_owner(state, sign_in.authentication, credential, refused).await?;
    state.limits.refund(&state.db, Counter::LoginByAddress(client)).await;
    AuditEvent::LoggedIn {
        method: Method::Passkey,
        user_id: owner.user_id,
        email: None,
        trusted_device: None,
    }
    .record(client);
    Ok(SignedIn {
        user: UserSummary {
            id: owner.user_id,
            name: owner.user_name,
        },
        email: owner.email,
        password_stamp: None,
        method: Method::Passkey.to_string(),
        new_account: false,
    })
}

/// "Confirm with a passkey", first step: a challenge for the logged-in
/// user, which only one of their passkeys may answer.
#[tracing::instrument(skip_all, fields(user_id, %client))]
pub async fn start_reauthentication(
    state: &AppState,
    user_id: UserId,
    client: IpAddr,
) -> Result<PasskeyChallenge, AppError> {
    let (options, authentication) = state
        .passkeys
        .webauthn()?
        .start_discoverable_authentication()
        .map_err(webauthn_internal)?;
    begin(
        state,
        &Reauthentication { authentication },
        Some(user_id),
        &options,
        client,
    )
    .await
}

/// "Confirm with a passkey", second step: as a sign-in, but the passkey
/// must be one of the user of `session`, which `next` then replaces (see
/// `accounts::reauthenticate`).
#[tracing::instrument(skip_all, fields(user_id = %session.user.id, %client))]
pub async fn finish_reauthentication(
    state: &AppState,
    session: &Session,
    ceremony: &str,
    credential: &str,
    client: IpAddr,
    next: &SessionRecord,
) -> Result<(), AppError> {
    let user_id = session.user.id;
    let refused = |reason: &str| {
        AuditEvent::ReauthenticationFailed {
            method: Method::Passkey,
            user_id,
            reason: Some(&reason as Reason),
        }
        .record(client);
        AppError::PasskeyRefused
    };
    let limited = AuditEvent::ReauthenticationLimited {
        method: Method::Passkey,
        user_id,
    };
    reserve_attempt(state, limited, client).await?;
    let (started_by, reauthentication) = take::<Reauthentication>(state, ceremony).await?;
    if started_by != Some(user_id) {
        return Err(AppError::PasskeyExpired);
    }
    let owner = verified_owner(state, reauthentication.authentication, credential, refused).await?;
    if owner.user_id != user_id {
        return Err(refused("passkey of another account"));
    }
    state.db.rotate_session(&session.secure.session_id, next).await?;
    state.limits.refund(&state.db, Counter::LoginByAddress(client)).await;
    AuditEvent::Reauthenticated {
        method: Method::Passkey,
        user_id,
    }
    .record(client);
    Ok(())
}

/// Counts a passkey answer against the network's login limit until it
/// turns out a success.
/// `limited`: what the audit log records past the limit.
async fn reserve_attempt(state: &AppState, limited: AuditEvent<'_>, client: IpAddr) -> Result<(), AppError> {
    record_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::LoginByAddress(client)])
            .await,
        limited,
        client,
    )
}

/// The owner of the passkey that signed the challenge of `authentication`
/// in `credential` (the browser's answer), once everything verifies and the
/// passkey's new counter is stored; otherwise `refused(reason)`.
async fn verified_owner(
    state: &AppState,
    authentication: DiscoverableAuthentication,
    credential: &str,
    refused: impl Fn(&str) -> AppError,
) -> Result<PasskeyOwner, AppError> {
    let answer: PublicKeyCredential = parse_answer(credential, AppError::PasskeyRefused)?;
    let webauthn = state.passkeys.webauthn()?;
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
        .finish_discoverable_authentication_v2(&answer, authentication, &passkey)
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
    Ok(owner)
}
