//! Registration and login: the product's own rules, free of HTTP. Every outcome
//! is an audit event (target `audit`) naming the user or the normalised email and
//! the client address, never a password, hash or cookie.

use super::{session::Session, AppState};
use crate::{
    domain::{Email, NewAccount, Password, CURRENT_PASSWORD_WRONG},
    error::AppError,
    model::UserSummary,
};
use std::net::IpAddr;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

/// Passes a limit check's result on, recording a refusal past the limits with
/// `audit` (each caller names its action and subject).
fn audit_refusal(checked: Result<(), AppError>, audit: impl FnOnce()) -> Result<(), AppError> {
    if checked == Err(AppError::TooManyRequests) {
        audit();
    }
    checked
}

/// A user who has just proved who they are, and the session generation their
/// new session must carry.
pub struct SignedIn {
    pub user: UserSummary,
    pub generation: i64,
}

pub async fn register(state: &AppState, account: NewAccount, client: IpAddr) -> Result<SignedIn, AppError> {
    let email = account.email.as_str().to_owned();
    audit_refusal(
        state.limits.register_attempt(&state.db, client).await,
        || tracing::warn!(target: "audit", action = "register", outcome = "rate_limited", %email, %client),
    )?;
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
        Ok(user) => {
            tracing::info!(target: "audit", action = "register", outcome = "success", user_id = user.id, %email, %client)
        }
        Err(err) => {
            tracing::info!(target: "audit", action = "register", outcome = "failure", reason = %err, %email, %client)
        }
    }
    Ok(SignedIn {
        user: inserted?,
        generation: 0,
    })
}

/// The user whose email and password these are. Any mismatch, including an email
/// that is not even well-formed, is the same [`AppError::InvalidCredentials`] after
/// the same single bcrypt verification; past the failure limits the answer is
/// [`AppError::TooManyRequests`] without any bcrypt work.
pub async fn login(state: &AppState, email: &str, password: &str, client: IpAddr) -> Result<SignedIn, AppError> {
    let parsed = Email::parse(email);
    // Failures are counted under the normalised address whenever there is one.
    let email = parsed
        .as_ref()
        .map_or_else(|_| email.trim().to_lowercase(), |e| e.as_str().to_owned());
    audit_refusal(
        state.limits.check_login(&state.db, &email, client).await,
        || tracing::warn!(target: "audit", action = "login", outcome = "rate_limited", %email, %client),
    )?;
    let credentials = match parsed {
        Ok(parsed) => state.db.find_credentials(parsed.as_str()).await?,
        Err(_) => None,
    };
    let (account, stored_hash) = match credentials {
        Some(found) => (Some((found.user, found.session_generation)), Some(found.password_hash)),
        None => (None, None),
    };
    let outdated = stored_hash
        .as_deref()
        .is_some_and(|hash| state.passwords.needs_rehash(hash));
    let matched = state.passwords.verify(password, stored_hash).await?;
    match account {
        Some((user, generation)) if matched => {
            state.limits.login_succeeded(&state.db, &email).await?;
            if outdated {
                rehash(state, user.id, password).await;
            }
            tracing::info!(target: "audit", action = "login", outcome = "success", user_id = user.id, %email, %client);
            Ok(SignedIn { user, generation })
        }
        _ => {
            state.limits.login_failed(&state.db, &email, client).await?;
            tracing::info!(target: "audit", action = "login", outcome = "failure", %email, %client);
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Stores the password anew at the configured cost (after `BCRYPT_COST` was
/// raised, say). Best effort: the login succeeds whatever happens here.
async fn rehash(state: &AppState, user_id: i64, password: &str) {
    let Ok(password) = Password::parse(password) else {
        return;
    };
    let stored = match state.passwords.hash(&password).await {
        Ok(hash) => state.db.replace_password_hash(user_id, &hash).await,
        Err(err) => Err(err),
    };
    match stored {
        Ok(()) => tracing::info!(
            user_id,
            cost = state.passwords.cost(),
            "password rehashed at the configured cost"
        ),
        Err(err) => tracing::warn!(user_id, error = %err, "could not rehash the password"),
    }
}

/// Ends every session of the user, this one included; the caller issues a new
/// one with the returned generation.
pub async fn log_out_everywhere(state: &AppState, session: &Session, client: IpAddr) -> Result<i64, AppError> {
    let generation = state.db.bump_session_generation(session.user.id).await?;
    tracing::info!(target: "audit", action = "logout_everywhere", outcome = "success", user_id = session.user.id, %client);
    Ok(generation)
}

/// Replaces the password once the current one is proved, ending every session;
/// the caller issues a new one with the returned generation. Wrong current
/// passwords count as failed logins.
pub async fn change_password(
    state: &AppState,
    session: &Session,
    current: &str,
    new: &str,
    client: IpAddr,
) -> Result<i64, AppError> {
    let user_id = session.user.id;
    let limit_key = format!("user:{user_id}");
    audit_refusal(
        state.limits.check_login(&state.db, &limit_key, client).await,
        || tracing::warn!(target: "audit", action = "password_change", outcome = "rate_limited", user_id, %client),
    )?;
    let new = Password::parse(new).map_err(|err| AppError::Validation {
        field: "new_password".into(),
        message: err.message.to_owned(),
    })?;
    let stored = state.db.password_hash(user_id).await?.ok_or(AppError::Unauthorized)?;
    if !state.passwords.verify(current, Some(stored)).await? {
        state.limits.login_failed(&state.db, &limit_key, client).await?;
        tracing::info!(target: "audit", action = "password_change", outcome = "failure", user_id, %client);
        return Err(AppError::Validation {
            field: "current_password".into(),
            message: CURRENT_PASSWORD_WRONG.into(),
        });
    }
    let hash = state.passwords.hash(&new).await?;
    let generation = state.db.change_password(user_id, &hash).await?;
    state.limits.login_succeeded(&state.db, &limit_key).await?;
    tracing::info!(target: "audit", action = "password_change", outcome = "success", user_id, %client);
    Ok(generation)
}
