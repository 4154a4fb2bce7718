//! Registration and login: the product's own rules, free of HTTP.

use super::AppState;
use crate::{domain::{Email, NewAccount}, error::AppError, model::UserSummary};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

pub async fn register(state: &AppState, account: NewAccount) -> Result<UserSummary, AppError> {
    let hash = state.passwords.hash(&account.password).await?;
    let created_at = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|now| now.format(&Rfc3339).ok())
        .ok_or(AppError::Internal)?;
    let user = state
        .db
        .insert_user(account.name.as_str(), account.email.as_str(), &hash, &created_at)
        .await?;
    tracing::info!(user_id = user.id, "account registered");
    Ok(user)
}

/// The user whose email and password these are; any mismatch, including an email
/// that is not even well-formed, is the same [`AppError::InvalidCredentials`] after
/// the same single bcrypt verification.
pub async fn authenticate(state: &AppState, email: &str, password: &str) -> Result<UserSummary, AppError> {
    let credentials = match Email::parse(email) {
        Ok(email) => state.db.find_credentials(email.as_str()).await?,
        Err(_) => None,
    };
    let (user, stored_hash) = match credentials {
        Some(found) => (Some(found.user), Some(found.password_hash)),
        None => (None, None),
    };
    let matched = state.passwords.verify(password, stored_hash).await?;
    match user {
        Some(user) if matched => Ok(user),
        _ => Err(AppError::InvalidCredentials),
    }
}
