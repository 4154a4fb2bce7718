//! An exchange that spans requests: a passkey ceremony (options, then the
//! browser's answer) or a sign-in at an identity provider (the redirect
//! there, then the one back). Its state waits in the database under the
//! SHA-256 of a random id that only the browser holds, and is spent by
//! `DELETE … RETURNING` by the request that finishes it. "Ceremony" is
//! WebAuthn's word; here it names both kinds.
//!
//! Beginning one is never refused: every view of `/login` begins one
//! (passkey autofill), so a limit on beginnings would let any page that
//! makes its visitors' browsers load ours use up a whole network's
//! sign-ins. What a network can make the database hold is bounded instead:
//! it keeps only its [`LIVE_PER_NETWORK`] newest ceremonies waiting, and
//! the failures of finished ones count against the login limits.
//!
//! The database rather than a cookie, because spending must be seen by
//! every app server at once: a sealed cookie could be replayed until it
//! expired.

use super::{is_random_id, limits::network, random_id, sha256_hex, AppState};
use crate::domain::UserId;
use crate::error::AppError;
use serde::{de::DeserializeOwned, Serialize};
use std::{net::IpAddr, time::Duration};

/// One kind of exchange: what it keeps between its requests.
pub trait Ceremony: Serialize + DeserializeOwned {
    /// Its `purpose` in the table: an id of one kind never finishes another.
    const PURPOSE: &str;
    /// How long it waits for its second request.
    const LIFETIME: Duration;
}

/// How many ceremonies one client network may have waiting: far more than
/// the people behind one address start within a ceremony's lifetime, and a
/// bound on the rows a flood can make. The oldest goes first.
pub const LIVE_PER_NETWORK: i64 = 100;

/// Stores `ceremony` for `user_id` (the logged-in user it is for, if any),
/// beside at most [`LIVE_PER_NETWORK`] other ceremonies of the client's
/// network, and returns the id the browser is to hold.
pub async fn begin<C: Ceremony>(
    state: &AppState,
    ceremony: &C,
    user_id: Option<UserId>,
    client: IpAddr,
) -> Result<String, AppError> {
    let id = random_id();
    let now = state.clock.unix_now();
    let expires_at = now.plus(C::LIFETIME.as_secs() as i64);
    let stored = serde_json::to_string(ceremony).map_err(internal)?;
    state
        .db
        .insert_ceremony(
            &sha256_hex(&id),
            C::PURPOSE,
            user_id,
            &stored,
            &network(client),
            expires_at,
            now,
        )
        .await?;
    Ok(id)
}

/// Spends the ceremony `id` of kind `C`: its user and state, or `None` for
/// an id that is unknown, of another kind, already spent or expired.
pub async fn take<C: Ceremony>(state: &AppState, id: &str) -> Result<Option<(Option<UserId>, C)>, AppError> {
    if !is_random_id(id) {
        return Ok(None);
    }
    let taken = state
        .db
        .take_ceremony(&sha256_hex(id), C::PURPOSE, state.clock.unix_now())
        .await?;
    taken
        .map(|(user_id, stored)| Ok((user_id, serde_json::from_str(&stored).map_err(internal)?)))
        .transpose()
}

pub fn internal(err: serde_json::Error) -> AppError {
    tracing::error!(error = %err, "ceremony state");
    AppError::Internal
}
