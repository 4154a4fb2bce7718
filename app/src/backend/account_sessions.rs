//! The account page's list of sessions, and ending one of them.

use super::{browsers::browser_in_words, clock::rfc3339_of, db::SessionRecord, session::Session, AppState};
use crate::backend::audit::AuditEvent;
use crate::backend::{db::SessionId, is_random_id};
use crate::{error::AppError, model::ActiveSession};
use std::net::IpAddr;

/// The user's live sessions, newest first, `current` marked.
pub async fn list(state: &AppState, current: &Session) -> Result<Vec<ActiveSession>, AppError> {
    let records = state.db.sessions_of(current.user.id, state.clock.unix_now()).await?;
    Ok(records
        .into_iter()
        .map(|record| shown(record, &current.secure.session_id))
        .collect())
}

fn shown(record: SessionRecord, current_id: &SessionId) -> ActiveSession {
    ActiveSession {
        current: &record.id == current_id,
        created_at: rfc3339_of(record.created_at),
        last_seen_at: rfc3339_of(record.last_seen_at),
        id: record.id.listed(),
        browser: browser_in_words(&record.user_agent),
        user_agent: record.user_agent,
        address: record.address,
    }
}

/// Ends the session of `current`'s user listed as `listed` ([`SessionId::listed`]),
/// on every server from its next request; [`AppError::NotFound`] if the user
/// has no live session listed so. Ending another session than `current` needs a recent proof of
/// identity ([`AppError::ReauthenticationRequired`]): a stolen cookie must
/// not be able to throw the owner out. Returns whether it was `current`
/// itself (a logout, which needs no proof).
#[tracing::instrument(skip_all, fields(user_id = %current.user.id, %client))]
pub async fn end(state: &AppState, current: &Session, listed: &str, client: IpAddr) -> Result<bool, AppError> {
    let itself = listed == current.secure.session_id.listed();
    if !itself && !state.sessions.is_fresh(current, state.clock.now()) {
        return Err(AppError::ReauthenticationRequired);
    }
    if !is_random_id(listed) {
        return Err(AppError::NotFound);
    }
    let records = state.db.sessions_of(current.user.id, state.clock.unix_now()).await?;
    let Some(record) = records.into_iter().find(|record| record.id.listed() == listed) else {
        return Err(AppError::NotFound);
    };
    if !state.db.end_session(current.user.id, &record.id).await? {
        return Err(AppError::NotFound);
    }
    AuditEvent::SessionEnded {
        user_id: current.user.id,
        current: itself,
    }
    .record(client);
    Ok(itself)
}
