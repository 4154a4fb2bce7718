//! Making passkeys: a new account's first, or one more for a logged-in user.

use super::{
    ceremony::{begin, parse_answer, take, AddPasskey, SignUp},
    credential_id, stored_credential, webauthn_internal,
};
use crate::backend::audit::{record_refusal, AuditEvent, Method};
use crate::{
    backend::{
        accounts::{self, SignedIn},
        clock::rfc3339_of,
        db::NewPasskey,
        limits::Counter,
        notices::{notify, Notice},
        recovery,
        session::Session,
        AppState,
    },
    domain::{NewPasskeyAccount, PasskeyName},
    error::AppError,
    model::{PasskeyChallenge, PasskeySummary, UserSummary},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use std::net::IpAddr;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Uuid,
};
use webauthn_rs_proto::ResidentKeyRequirement;

/// Registration options for a discoverable credential: usernameless sign-in
/// needs the authenticator to keep the user handle, which webauthn-rs'
/// passkey defaults do not ask for.
fn require_resident_key(mut options: CreationChallengeResponse) -> CreationChallengeResponse {
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    options
}

/// "Create account with a passkey", first step: the name and email are
/// checked now, so a taken email is said before the authenticator is asked.
/// It counts as a registration from the client's network before the email
/// is looked up, as a password registration does, so that it is no
/// unlimited way to learn which addresses have accounts.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn start_sign_up(
    state: &AppState,
    account: NewPasskeyAccount,
    client: IpAddr,
) -> Result<PasskeyChallenge, AppError> {
    let webauthn = state.passkeys.webauthn()?;
    accounts::refuse_when_closed(state)?;
    record_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::RegistrationByAddress(client)])
            .await,
        AuditEvent::RegistrationLimited {
            method: Method::Passkey,
            email: account.email.as_str(),
        },
        client,
    )?;
    if state.db.user_id_by_email(account.email.as_str()).await?.is_some() {
        return Err(AppError::EmailTaken);
    }
    let user_handle = Uuid::new_v4();
    let (options, registration) = webauthn
        .start_passkey_registration(user_handle, account.email.as_str(), account.name.as_str(), None)
        .map_err(webauthn_internal)?;
    let ceremony = SignUp {
        name: account.name.as_str().to_owned(),
        email: account.email.as_str().to_owned(),
        user_handle,
        registration,
    };
    begin(state, &ceremony, None, &require_resident_key(options), client).await
}

/// "Create account with a passkey", second step: the account and its
/// passkey are stored together, and the caller signs the user in. The
/// registration was counted by the first step.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn finish_sign_up(
    state: &AppState,
    ceremony: &str,
    credential: &str,
    client: IpAddr,
) -> Result<SignedIn, AppError> {
    let (_, sign_up) = take::<SignUp>(state, ceremony).await?;
    // Closed since the first step (a restart with `REGISTRATION=closed`).
    accounts::refuse_when_closed(state)?;
    let answer: RegisterPublicKeyCredential = parse_answer(credential, AppError::PasskeyInvalid)?;
    let passkey = verify_registration(state, &answer, &sign_up.registration, client)?;
    let now = state.clock.unix_now();
    let credential = stored_credential(&passkey)?;
    let id = credential_id(passkey.cred_id());
    let unnamed = PasskeyName::default();
    let new = NewPasskey {
        id: &id,
        name: unnamed.as_str(),
        credential: &credential,
        created_at: now,
    };
    let user_handle = sign_up.user_handle.to_string();
    let email = sign_up.email;
    let inserted = state
        .db
        .insert_passkey_user(&sign_up.name, &email, &user_handle, now, &new)
        .await;
    let user_id = match inserted {
        Ok(user_id) => user_id,
        Err(err) => {
            AuditEvent::RegistrationFailed {
                method: Method::Passkey,
                email: &email,
                reason: &err,
            }
            .record(client);
            return Err(err);
        }
    };
    AuditEvent::Registered {
        method: Method::Passkey,
        user_id,
        email: &email,
    }
    .record(client);
    if let Err(err) = recovery::send_verification_link(state, user_id).await {
        tracing::warn!(%user_id, error = %err, "verification mail not queued");
    }
    Ok(SignedIn {
        user: UserSummary {
            id: user_id,
            name: sign_up.name,
        },
        email,
        password_stamp: None,
        method: Method::Passkey.to_string(),
        new_account: true,
    })
}

fn verify_registration(
    state: &AppState,
    answer: &RegisterPublicKeyCredential,
    registration: &PasskeyRegistration,
    client: IpAddr,
) -> Result<Passkey, AppError> {
    state
        .passkeys
        .webauthn()?
        .finish_passkey_registration(answer, registration)
        .map_err(|err| {
            AuditEvent::PasskeyRegistrationFailed { reason: &err }.record(client);
            AppError::PasskeyInvalid
        })
}

/// "Add a passkey", first step, for the logged-in `user`, whose email must
/// be verified: a lasting way in is only for the address's owner.
#[tracing::instrument(skip_all, fields(user_id = %user.id, %client))]
pub async fn start_adding(state: &AppState, user: &UserSummary, client: IpAddr) -> Result<PasskeyChallenge, AppError> {
    let webauthn = state.passkeys.webauthn()?;
    let email = match state.db.email_state(user.id).await? {
        Some((email, true)) => email,
        Some((_, false)) => return Err(AppError::EmailUnverified),
        None => return Err(AppError::Unauthorized),
    };
    let user_handle = match state.db.passkey_user_handle(user.id).await? {
        Some(stored) => Uuid::parse_str(&stored).map_err(|_| AppError::Internal)?,
        None => Uuid::new_v4(),
    };
    let known = state
        .db
        .passkey_ids_of(user.id)
        .await?
        .iter()
        .filter_map(|id| URL_SAFE_NO_PAD.decode(id).ok())
        .collect();
    let (options, registration) = webauthn
        .start_passkey_registration(user_handle, &email, &user.name, Some(known))
        .map_err(webauthn_internal)?;
    let ceremony = AddPasskey {
        user_handle,
        registration,
    };
    begin(state, &ceremony, Some(user.id), &require_resident_key(options), client).await
}

/// "Add a passkey", second step: only the user who started the ceremony can
/// finish it, in a session that is still live when the passkey is stored.
/// Sends the security notice.
#[tracing::instrument(skip_all, fields(user_id = %session.user.id, %client))]
pub async fn finish_adding(
    state: &AppState,
    session: &Session,
    ceremony: &str,
    credential: &str,
    name: PasskeyName,
    client: IpAddr,
) -> Result<PasskeySummary, AppError> {
    let user_id = session.user.id;
    let (started_by, adding) = take::<AddPasskey>(state, ceremony).await?;
    if started_by != Some(user_id) {
        return Err(AppError::PasskeyExpired);
    }
    let answer: RegisterPublicKeyCredential = parse_answer(credential, AppError::PasskeyInvalid)?;
    let passkey = verify_registration(state, &answer, &adding.registration, client)?;
    let now = state.clock.unix_now();
    let id = credential_id(passkey.cred_id());
    let stored = stored_credential(&passkey)?;
    let others = state.db.passkeys_of(user_id).await?;
    let taken: Vec<&str> = others.iter().map(|other| other.name.as_str()).collect();
    let name = name.numbered_apart_from(&taken);
    let new = NewPasskey {
        id: &id,
        name: name.as_str(),
        credential: &stored,
        created_at: now,
    };
    state
        .db
        .add_passkey(
            user_id,
            &session.secure.session_id,
            &adding.user_handle.to_string(),
            &new,
        )
        .await?;
    AuditEvent::PasskeyAdded { user_id }.record(client);
    notify(state, user_id, Notice::PasskeyAdded, client).await;
    Ok(PasskeySummary {
        id,
        name: name.as_str().to_owned(),
        created_at: rfc3339_of(now),
        last_used_at: None,
    })
}
