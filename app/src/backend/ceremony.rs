//! An exchange that spans requests: a passkey ceremony (options, then the
//! browser's answer) or a sign-in at an identity provider (the redirect
//! there, then the one back). Its state waits in the database under the
//! SHA-256 of a random id that only the browser holds, counted under the
//! client's network until it succeeds, and is spent by `DELETE … RETURNING`
//! by the request that finishes it.
//!
//! The database rather than a cookie, because spending must be seen by
//! every app server at once: a sealed cookie could be replayed until it
//! expired.

use super::{accounts::audit_refusal, is_random_id, limits::Counter, random_id, sha256_hex, AppState};
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

/// Stores `ceremony` for `user_id` (the logged-in user it is for, if any),
/// counted under the client's network until it succeeds, and returns the id
/// the browser is to hold.
pub async fn begin<C: Ceremony>(
    state: &AppState,
    ceremony: &C,
    user_id: Option<i64>,
    client: IpAddr,
) -> Result<String, AppError> {
    audit_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::CeremonyByAddress(client)])
            .await,
        || tracing::warn!(target: "audit", action = "ceremony", outcome = "rate_limited", purpose = C::PURPOSE, %client),
    )?;
    let id = random_id();
    let now = state.clock.unix_now();
    let expires_at = now + C::LIFETIME.as_secs() as i64;
    let stored = serde_json::to_string(ceremony).map_err(internal)?;
    state
        .db
        .insert_ceremony(&sha256_hex(&id), C::PURPOSE, user_id, &stored, expires_at, now)
        .await?;
    Ok(id)
}

/// Spends the ceremony `id` of kind `C`: its user and state, or `None` for
/// an id that is unknown, of another kind, already spent or expired.
pub async fn take<C: Ceremony>(state: &AppState, id: &str) -> Result<Option<(Option<i64>, C)>, AppError> {
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

/// The ceremony finished with success: it no longer counts against the network.
pub async fn succeeded(state: &AppState, client: IpAddr) {
    state.limits.refund(&state.db, Counter::CeremonyByAddress(client)).await;
}

pub fn internal(err: serde_json::Error) -> AppError {
    tracing::error!(error = %err, "ceremony state");
    AppError::Internal
}
