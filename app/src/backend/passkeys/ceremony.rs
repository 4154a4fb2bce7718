//! A ceremony between its two requests: stored under the SHA-256 of a
//! random id, counted under the client's network until it succeeds, and
//! spent by the request that finishes it.

use super::CEREMONY_LIFETIME;
use crate::{
    backend::{accounts::audit_refusal, limits::Counter, random_id, sha256_hex, AppState},
    error::AppError,
    model::PasskeyChallenge,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::net::IpAddr;
use webauthn_rs::prelude::{DiscoverableAuthentication, PasskeyRegistration, Uuid};

/// What each kind of ceremony keeps between its two requests.
#[derive(Serialize, Deserialize)]
pub(super) struct SignUp {
    pub(super) name: String,
    pub(super) email: String,
    pub(super) user_handle: Uuid,
    pub(super) registration: PasskeyRegistration,
}

#[derive(Serialize, Deserialize)]
pub(super) struct AddPasskey {
    pub(super) user_handle: Uuid,
    pub(super) registration: PasskeyRegistration,
}

#[derive(Serialize, Deserialize)]
pub(super) struct SignIn {
    pub(super) authentication: DiscoverableAuthentication,
}

/// The `purpose` of each kind in the ceremonies table: an id of one kind
/// never finishes another.
pub(super) trait Ceremony: Serialize + DeserializeOwned {
    const PURPOSE: &str;
}

impl Ceremony for SignUp {
    const PURPOSE: &str = "sign-up";
}

impl Ceremony for AddPasskey {
    const PURPOSE: &str = "add-passkey";
}

impl Ceremony for SignIn {
    const PURPOSE: &str = "sign-in";
}

/// Stores a ceremony, counted under the client's network until it succeeds,
/// and returns what the browser needs.
pub(super) async fn begin<C: Ceremony>(
    state: &AppState,
    ceremony: &C,
    user_id: Option<i64>,
    options: &impl Serialize,
    client: IpAddr,
) -> Result<PasskeyChallenge, AppError> {
    audit_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::PasskeyCeremonyByAddress(client)])
            .await,
        || tracing::warn!(target: "audit", action = "passkey_ceremony", outcome = "rate_limited", purpose = C::PURPOSE, %client),
    )?;
    let id = random_id();
    let now = state.clock.unix_now();
    let expires_at = now + CEREMONY_LIFETIME.as_secs() as i64;
    let stored = serde_json::to_string(ceremony).map_err(internal)?;
    state
        .db
        .insert_ceremony(&sha256_hex(&id), C::PURPOSE, user_id, &stored, expires_at, now)
        .await?;
    let options = serde_json::value::to_raw_value(options).map_err(internal)?;
    Ok(PasskeyChallenge { ceremony: id, options })
}

/// Spends the ceremony `id` of kind `C`: its user and state, or
/// [`AppError::PasskeyExpired`] for an id that is unknown, of another kind,
/// already spent or expired.
pub(super) async fn take<C: Ceremony>(state: &AppState, id: &str) -> Result<(Option<i64>, C), AppError> {
    let taken = match crate::backend::is_random_id(id) {
        true => {
            state
                .db
                .take_ceremony(&sha256_hex(id), C::PURPOSE, state.clock.unix_now())
                .await?
        }
        false => None,
    };
    let (user_id, stored) = taken.ok_or(AppError::PasskeyExpired)?;
    let ceremony = serde_json::from_str(&stored).map_err(internal)?;
    Ok((user_id, ceremony))
}

pub(super) fn internal(err: serde_json::Error) -> AppError {
    tracing::error!(error = %err, "passkey ceremony state");
    AppError::Internal
}

/// The browser's JSON answer (`PublicKeyCredential.toJSON()`), parsed.
pub(super) fn parse_answer<T: DeserializeOwned>(credential: &str, refused: AppError) -> Result<T, AppError> {
    serde_json::from_str(credential).map_err(|err| {
        tracing::info!(error = %err, "passkey answer that does not parse");
        refused
    })
}
