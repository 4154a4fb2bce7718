//! What each passkey ceremony keeps between its two requests (see
//! `backend::ceremony`), and the browser's answer.

use super::CEREMONY_LIFETIME;
use crate::domain::UserId;
use crate::{
    backend::{
        ceremony::{self, Ceremony},
        AppState,
    },
    error::AppError,
    model::PasskeyChallenge,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::{net::IpAddr, time::Duration};
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

/// A logged-in user confirming who they are with one of their passkeys.
#[derive(Serialize, Deserialize)]
pub(super) struct Reauthentication {
    pub(super) authentication: DiscoverableAuthentication,
}

impl Ceremony for Reauthentication {
    const PURPOSE: &str = "reauthenticate";
    const LIFETIME: Duration = CEREMONY_LIFETIME;
}

impl Ceremony for SignUp {
    const PURPOSE: &str = "sign-up";
    const LIFETIME: Duration = CEREMONY_LIFETIME;
}

impl Ceremony for AddPasskey {
    const PURPOSE: &str = "add-passkey";
    const LIFETIME: Duration = CEREMONY_LIFETIME;
}

impl Ceremony for SignIn {
    const PURPOSE: &str = "sign-in";
    const LIFETIME: Duration = CEREMONY_LIFETIME;
}

/// Stores a ceremony and returns what the browser needs: its id and `options`.
pub(super) async fn begin<C: Ceremony>(
    state: &AppState,
    ceremony: &C,
    user_id: Option<UserId>,
    options: &impl Serialize,
    client: IpAddr,
) -> Result<PasskeyChallenge, AppError> {
    let id = ceremony::begin(state, ceremony, user_id, client).await?;
    let options = serde_json::value::to_raw_value(options).map_err(ceremony::internal)?;
    Ok(PasskeyChallenge { ceremony: id, options })
}

/// Spends the ceremony `id` of kind `C`: its user and state, or
/// [`AppError::PasskeyExpired`] for an id that is unknown, of another kind,
/// already spent or expired.
pub(super) async fn take<C: Ceremony>(state: &AppState, id: &str) -> Result<(Option<UserId>, C), AppError> {
    // Switched off, a second step is not there either (none could have begun).
    state.passkeys.webauthn()?;
    ceremony::take(state, id).await?.ok_or(AppError::PasskeyExpired)
}

/// The browser's JSON answer (`PublicKeyCredential.toJSON()`), parsed.
pub(super) fn parse_answer<T: DeserializeOwned>(credential: &str, refused: AppError) -> Result<T, AppError> {
    serde_json::from_str(credential).map_err(|err| {
        tracing::info!(error = %err, "passkey answer that does not parse");
        refused
    })
}
