//! Registration and login: the product's own rules, free of HTTP. Every outcome
//! is an audit event (target `audit`) naming the user or the normalised email and
//! the client address, never a password, hash or cookie; text the client typed
//! is logged only through [`Untrusted`].

use super::{
    clock::rfc3339_of,
    db::SessionRecord,
    device::TrustedDevice,
    limits::Counter,
    log_safe::Untrusted,
    notices::{notify, Notice},
    recovery,
    session::Session,
    AppState,
};
use crate::{
    domain::{Email, NewAccount, Password, CURRENT_PASSWORD_WRONG},
    error::AppError,
    model::{IdentitySummary, PasskeySummary, SignInMethods, UserSummary},
};
use std::net::IpAddr;
use time::format_description::well_known::Rfc3339;

/// Passes a limit reservation's result on, recording a refusal past the limits
/// with `audit` (each caller names its action and subject).
pub(super) fn audit_refusal(reserved: Result<(), AppError>, audit: impl FnOnce()) -> Result<(), AppError> {
    if matches!(reserved, Err(AppError::TooManyRequests { .. })) {
        audit();
    }
    reserved
}

/// A user who has just proved who they are, with the normalised email their
/// browser may be trusted for.
pub struct SignedIn {
    pub user: UserSummary,
    pub email: String,
}

#[tracing::instrument(skip_all, fields(%client))]
pub async fn register(state: &AppState, account: NewAccount, client: IpAddr) -> Result<SignedIn, AppError> {
    let email = account.email.as_str().to_owned();
    audit_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::RegistrationByAddress(client)])
            .await,
        || tracing::warn!(target: "audit", action = "register", outcome = "rate_limited", email = %Untrusted(&email), %client),
    )?;
    let hash = state.passwords.hash(&account.password).await?;
    let created_at = state.clock.now().format(&Rfc3339).map_err(|_| AppError::Internal)?;
    let inserted = state
        .db
        .insert_user(account.name.as_str(), &email, &hash, &created_at)
        .await;
    match &inserted {
        Ok(user) => {
            tracing::info!(target: "audit", action = "register", outcome = "success", user_id = user.id, email = %Untrusted(&email), %client)
        }
        Err(err) => {
            tracing::info!(target: "audit", action = "register", outcome = "failure", reason = %err, email = %Untrusted(&email), %client)
        }
    }
    let user = inserted?;
    // The account exists: a verification mail that cannot be queued is logged,
    // and the user can ask for another from the account page.
    if let Err(err) = recovery::send_verification_link(state, user.id).await {
        tracing::warn!(user_id = user.id, error = %err, "verification mail not queued");
    }
    Ok(SignedIn { user, email })
}

/// The user whose email and password these are. Any mismatch, including an email
/// that is not even well-formed, is the same [`AppError::InvalidCredentials`] after
/// the same bcrypt work; past the limits the answer is
/// [`AppError::TooManyRequests`] without any bcrypt work.
///
/// `trusted_device` says whether the browser holds a device cookie for an email
/// (see `device`): its attempts are counted under that device alone.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    client: IpAddr,
    trusted_device: impl FnOnce(&str) -> Option<TrustedDevice>,
) -> Result<SignedIn, AppError> {
    let parsed = Email::parse(email);
    // Attempts are counted under the normalised address whenever there is one.
    let email = parsed
        .as_ref()
        .map_or_else(|_| email.trim().to_lowercase(), |e| e.as_str().to_owned());
    let device = trusted_device(&email);
    let (own_counter, address_counter) = match &device {
        Some(device) => (Counter::LoginByDevice(&device.id), None),
        None => (Counter::LoginByAccount(&email), Some(Counter::LoginByAddress(client))),
    };
    let counters: Vec<Counter> = std::iter::once(own_counter).chain(address_counter).collect();
    audit_refusal(
        state.limits.reserve(&state.db, &counters).await,
        || tracing::warn!(target: "audit", action = "login", outcome = "rate_limited", email = %Untrusted(&email), trusted_device = device.is_some(), %client),
    )?;
    let credentials = match parsed {
        Ok(parsed) => state.db.find_credentials(parsed.as_str()).await?,
        Err(_) => None,
    };
    let (account, stored_hash) = match credentials {
        Some(found) => (Some(found.user), found.password_hash),
        None => (None, None),
    };
    let outdated = stored_hash
        .as_deref()
        .filter(|hash| state.passwords.needs_rehash(hash))
        .map(str::to_owned);
    let matched = state.passwords.verify(password, stored_hash).await?;
    match account {
        Some(user) if matched => {
            state.limits.succeeded(&state.db, own_counter, address_counter).await;
            if let Some(old_hash) = outdated {
                rehash(state, user.id, password, &old_hash).await;
            }
            tracing::info!(target: "audit", action = "login", outcome = "success", method = "password", user_id = user.id, email = %Untrusted(&email), trusted_device = device.is_some(), %client);
            Ok(SignedIn { user, email })
        }
        _ => {
            tracing::info!(target: "audit", action = "login", outcome = "failure", method = "password", email = %Untrusted(&email), trusted_device = device.is_some(), %client);
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Stores the password anew at the configured cost (after `BCRYPT_COST` was
/// raised, say), unless the stored hash is no longer `old_hash`: a password
/// changed since this login read it must stay changed. Best effort: the login
/// succeeds whatever happens here.
async fn rehash(state: &AppState, user_id: i64, password: &str, old_hash: &str) {
    let Ok(password) = Password::parse(password) else {
        return;
    };
    let stored = match state.passwords.hash(&password).await {
        Ok(hash) => state.db.replace_password_hash(user_id, old_hash, &hash).await,
        Err(err) => Err(err),
    };
    match stored {
        Ok(true) => tracing::info!(
            user_id,
            cost = state.passwords.cost(),
            "password rehashed at the configured cost"
        ),
        Ok(false) => tracing::info!(user_id, "password changed meanwhile: rehash dropped"),
        Err(err) => tracing::warn!(user_id, error = %err, "could not rehash the password"),
    }
}

/// Ends every session of the user, this one included, and stores `successor`
/// (see `session::successor_session`) as the only one.
#[tracing::instrument(skip_all, fields(user_id = successor.user_id, %client))]
pub async fn log_out_everywhere(state: &AppState, successor: &SessionRecord, client: IpAddr) -> Result<(), AppError> {
    state.db.replace_sessions(successor).await?;
    tracing::info!(target: "audit", action = "logout_everywhere", outcome = "success", user_id = successor.user_id, %client);
    notify(state, successor.user_id, Notice::LoggedOutEverywhere, client).await;
    Ok(())
}

/// Replaces the password once the current one is proved: every session ends
/// but `next`, a new one for this browser. Wrong current passwords are
/// limited like failed logins.
#[tracing::instrument(skip_all, fields(user_id = session.user.id, %client))]
pub async fn change_password(
    state: &AppState,
    session: &Session,
    current: &str,
    new: Password,
    client: IpAddr,
    next: &SessionRecord,
) -> Result<(), AppError> {
    let user_id = session.user.id;
    let own_counter = Counter::PasswordChangeByUser(user_id);
    let address_counter = Counter::LoginByAddress(client);
    audit_refusal(
        state.limits.reserve(&state.db, &[own_counter, address_counter]).await,
        || tracing::warn!(target: "audit", action = "password_change", outcome = "rate_limited", user_id, %client),
    )?;
    // An account without a password (made with a passkey) has no current
    // password to give: it sets its first one with `set_first_password`.
    let stored = state.db.password_hash(user_id).await?;
    if !state.passwords.verify(current, stored).await? {
        tracing::info!(target: "audit", action = "password_change", outcome = "failure", user_id, %client);
        return Err(AppError::Validation {
            field: "current_password".into(),
            message: CURRENT_PASSWORD_WRONG.into(),
        });
    }
    let hash = state.passwords.hash(&new).await?;
    state.db.change_password(&hash, next).await?;
    // The change is committed: nothing after this point may turn it into an error.
    tracing::info!(target: "audit", action = "password_change", outcome = "success", user_id, %client);
    state
        .limits
        .succeeded(&state.db, own_counter, Some(address_counter))
        .await;
    notify(state, user_id, Notice::PasswordChanged, client).await;
    Ok(())
}

/// Gives an account made with a passkey its first password: every session
/// ends but `next`, as with any new password. Refused as a wrong current
/// password once the account has one (it must be changed, proving the old).
#[tracing::instrument(skip_all, fields(user_id = next.user_id, %client))]
pub async fn set_first_password(
    state: &AppState,
    new: Password,
    client: IpAddr,
    next: &SessionRecord,
) -> Result<(), AppError> {
    let user_id = next.user_id;
    let hash = state.passwords.hash(&new).await?;
    if !state.db.set_first_password(&hash, next).await? {
        return Err(AppError::Validation {
            field: "current_password".into(),
            message: CURRENT_PASSWORD_WRONG.into(),
        });
    }
    tracing::info!(target: "audit", action = "password_set", outcome = "success", user_id, %client);
    notify(state, user_id, Notice::PasswordChanged, client).await;
    Ok(())
}

/// The user's password (or not), passkeys and identities, for the account page.
pub async fn sign_in_methods(state: &AppState, user_id: i64) -> Result<SignInMethods, AppError> {
    let passkeys = state.db.passkeys_of(user_id).await?;
    let identities = state.db.identities_of(user_id).await?;
    Ok(SignInMethods {
        has_password: state.db.password_hash(user_id).await?.is_some(),
        passkeys: passkeys
            .into_iter()
            .map(|record| PasskeySummary {
                id: record.id,
                name: record.name,
                created_at: rfc3339_of(record.created_at),
                last_used_at: record.last_used_at.map(rfc3339_of),
            })
            .collect(),
        identities: identities
            .into_iter()
            .map(|record| IdentitySummary {
                label: state.identity_providers.label_of(&record.provider),
                provider: record.provider,
                subject: record.subject,
                email: record.email,
                created_at: rfc3339_of(record.created_at),
                last_used_at: record.last_used_at.map(rfc3339_of),
            })
            .collect(),
    })
}
