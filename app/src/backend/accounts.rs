//! Registration and login: the product's own rules, free of HTTP. Every outcome
//! is an audit event (target `audit`) naming the user or the normalised email and
//! the client address, never a password, hash or cookie.

use super::AppState;
use crate::{
    domain::{Email, NewAccount},
    error::AppError,
    model::UserSummary,
};
use std::net::IpAddr;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

pub async fn register(state: &AppState, account: NewAccount, client: IpAddr) -> Result<UserSummary, AppError> {
    let email = account.email.as_str().to_owned();
    if let Err(throttled) = state.limits.register_attempt(client) {
        tracing::warn!(target: "audit", action = "register", outcome = "rate_limited", %email, %client);
        return Err(throttled.into_error());
    }
    let hash = state.passwords.hash(&account.password).await?;
    let created_at = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|now| now.format(&Rfc3339).ok())
        .ok_or(AppError::Internal)?;
    let inserted = state
        .db
        .insert_user(account.name.as_str(), &email, &hash, &created_at)
        .await;
    match &inserted {
        Ok(user) => tracing::info!(target: "audit", action = "register", outcome = "success", user_id = user.id, %email, %client),
        Err(err) => tracing::info!(target: "audit", action = "register", outcome = "failure", reason = %err, %email, %client),
    }
    inserted
}

/// The user whose email and password these are. Any mismatch, including an email
/// that is not even well-formed, is the same [`AppError::InvalidCredentials`] after
/// the same single bcrypt verification; past the failure limits the answer is
/// [`AppError::TooManyRequests`] without any bcrypt work.
pub async fn login(state: &AppState, email: &str, password: &str, client: IpAddr) -> Result<UserSummary, AppError> {
    let parsed = Email::parse(email);
    // Failures are counted under the normalised address whenever there is one.
    let email = parsed.as_ref().map_or_else(|_| email.trim().to_lowercase(), |e| e.as_str().to_owned());
    if let Err(throttled) = state.limits.check_login(&email, client) {
        tracing::warn!(target: "audit", action = "login", outcome = "rate_limited", %email, %client);
        return Err(throttled.into_error());
    }
    let credentials = match parsed {
        Ok(parsed) => state.db.find_credentials(parsed.as_str()).await?,
        Err(_) => None,
    };
    let (user, stored_hash) = match credentials {
        Some(found) => (Some(found.user), Some(found.password_hash)),
        None => (None, None),
    };
    let matched = state.passwords.verify(password, stored_hash).await?;
    match user {
        Some(user) if matched => {
            state.limits.login_succeeded(&email);
            tracing::info!(target: "audit", action = "login", outcome = "success", user_id = user.id, %email, %client);
            Ok(user)
        }
        _ => {
            state.limits.login_failed(&email, client);
            tracing::info!(target: "audit", action = "login", outcome = "failure", %email, %client);
            Err(AppError::InvalidCredentials)
        }
    }
}
