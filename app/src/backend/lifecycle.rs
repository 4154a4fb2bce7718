//! The end of an account's life, and an operator's hold on it: deleting it
//! (its owner, or an operator), disabling and enabling it, ending its
//! sessions. Every session ends in the database, so on every server at
//! once, and each step is an [`AuditEvent`].

use super::{
    audit::AuditEvent,
    notices::{notify_address, Notice},
    AppState,
};
use crate::domain::UserId;
use crate::error::AppError;
use std::net::IpAddr;

/// Refuses a sign-in to an account an operator has disabled, whatever
/// proved who this is: [`AppError::AccountDisabled`].
pub async fn refuse_disabled(state: &AppState, user_id: UserId, client: IpAddr) -> Result<(), AppError> {
    if state.db.account_disabled(user_id).await? {
        AuditEvent::DisabledAccountRefused { user_id }.record(client);
        return Err(AppError::AccountDisabled);
    }
    Ok(())
}

/// Deletes the account and everything of it (sessions, passkeys,
/// identities, tokens, two-step verification), then tells its address.
/// The audit log keeps the event with the user's id, never the address;
/// the address is free to register again. `false` when it was already gone.
pub async fn delete_account(state: &AppState, user_id: UserId, client: IpAddr) -> Result<bool, AppError> {
    let Some(email) = state.db.email_of(user_id).await? else {
        return Ok(false);
    };
    if !state.db.delete_account(user_id).await? {
        return Ok(false);
    }
    AuditEvent::AccountDeleted { user_id }.record(client);
    notify_address(state, &email, Notice::AccountDeleted, client).await;
    Ok(true)
}

/// Disables the account and ends its sessions: the number ended.
pub async fn disable_account(state: &AppState, user_id: UserId, client: IpAddr) -> Result<u64, AppError> {
    let ended = state.db.disable_account(user_id, state.clock.unix_now()).await?;
    AuditEvent::AccountDisabled { user_id }.record(client);
    Ok(ended)
}

/// Lets a disabled account sign in again; `false` when it was not disabled.
pub async fn enable_account(state: &AppState, user_id: UserId, client: IpAddr) -> Result<bool, AppError> {
    let enabled = state.db.enable_account(user_id).await?;
    if enabled {
        AuditEvent::AccountEnabled { user_id }.record(client);
    }
    Ok(enabled)
}

/// Ends every session of `user_id`, or of everyone with `None`: how many.
pub async fn end_sessions(state: &AppState, user_id: Option<UserId>, client: IpAddr) -> Result<u64, AppError> {
    let ended = state.db.end_sessions_of(user_id).await?;
    AuditEvent::SessionsEnded { user_id }.record(client);
    Ok(ended)
}
