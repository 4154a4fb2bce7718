//! Registration and login: the product's own rules, free of HTTP. Every outcome
//! is an [`AuditEvent`].

use super::{
    db::SessionRecord,
    device::{credential_stamp, TrustedDevice},
    limits::Counter,
    notices::{notify, Notice},
    recovery,
    session::Session,
    AppState,
};
use crate::backend::audit::{record_refusal, AuditEvent, Method};
use crate::domain::UserId;
use crate::{
    domain::{Email, Invalid, NewAccount, Password, ValidationError},
    error::AppError,
    model::UserSummary,
    SITE_NAME,
};
use std::net::IpAddr;

/// A user who has just proved who they are, with their normalised email.
pub struct SignedIn {
    pub user: UserSummary,
    pub email: String,
    /// The [`credential_stamp`] of the password proved, when the proof was a
    /// password: the browser may then be trusted for password attempts
    /// (see `device`).
    pub password_stamp: Option<String>,
    /// How, as [`Method`] writes it (`password`, `passkey`, `oidc:<id>`):
    /// what a new-sign-in notice says.
    pub method: String,
    /// Whether this proof made the account: its first browser is no news.
    pub new_account: bool,
}

/// [`AppError::RegistrationClosed`] when the site takes no new accounts
/// (`REGISTRATION=closed`): every way to make one asks here first.
pub fn refuse_when_closed(state: &AppState) -> Result<(), AppError> {
    match state.registration_open {
        true => Ok(()),
        false => Err(AppError::RegistrationClosed),
    }
}

#[tracing::instrument(skip_all, fields(%client))]
pub async fn register(state: &AppState, account: NewAccount, client: IpAddr) -> Result<SignedIn, AppError> {
    refuse_when_closed(state)?;
    let email = account.email.as_str().to_owned();
    refuse_breached(state, &account.password, "password").await?;
    record_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::RegistrationByAddress(client)])
            .await,
        AuditEvent::RegistrationLimited {
            method: Method::Password,
            email: &email,
        },
        client,
    )?;
    let hash = state.passwords.hash(&account.password).await?;
    let inserted = state
        .db
        .insert_user(account.name.as_str(), &email, &hash, state.clock.unix_now())
        .await;
    match &inserted {
        Ok(user) => AuditEvent::Registered {
            method: Method::Password,
            user_id: user.id,
            email: &email,
        }
        .record(client),
        Err(err) => AuditEvent::RegistrationFailed {
            method: Method::Password,
            email: &email,
            reason: err,
        }
        .record(client),
    }
    let user = inserted?;
    // The account exists: a verification mail that cannot be queued is logged,
    // and the user can ask for another from the account page.
    if let Err(err) = recovery::send_verification_link(state, user.id).await {
        tracing::warn!(user_id = %user.id, error = %err, "verification mail not queued");
    }
    Ok(SignedIn {
        user,
        email,
        password_stamp: Some(credential_stamp(&hash)),
        method: Method::Password.to_string(),
        new_account: true,
    })
}

/// The user whose email and password these are. Any mismatch, including an email
/// that is not even well-formed, is the same [`AppError::InvalidCredentials`] after
/// the same bcrypt work; past the limits the answer is
/// [`AppError::TooManyRequests`] without any bcrypt work.
///
/// `trusted_device(email, stamp)` says whether the browser holds a device
/// cookie for an email and its current password (see `device`): its attempts
/// are counted under that device rather than the account; the client's
/// network counts them either way.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    client: IpAddr,
    trusted_device: impl FnOnce(&str, &str) -> Option<TrustedDevice>,
) -> Result<SignedIn, AppError> {
    let parsed = Email::parse(email);
    // Attempts are counted under the normalised address whenever there is one.
    let email = parsed
        .as_ref()
        .map_or_else(|_| email.trim().to_lowercase(), |e| e.as_str().to_owned());
    let credentials = match parsed {
        Ok(parsed) => state.db.find_credentials(parsed.as_str()).await?,
        Err(_) => None,
    };
    let (account, stored_hash) = match credentials {
        Some(found) => (Some(found.user), found.password_hash),
        None => (None, None),
    };
    let stamp = stored_hash.as_deref().map(credential_stamp);
    let device = stamp.as_deref().and_then(|stamp| trusted_device(&email, stamp));
    let own_counter = match &device {
        Some(device) => Counter::LoginByDevice(&device.id),
        None => Counter::LoginByAccount(&email),
    };
    let address_counter = Counter::LoginByAddress(client);
    record_refusal(
        state.limits.reserve(&state.db, &[own_counter, address_counter]).await,
        AuditEvent::LoginLimited {
            method: Method::Password,
            email: Some(&email),
            trusted_device: Some(device.is_some()),
        },
        client,
    )?;
    let outdated = stored_hash
        .as_deref()
        .filter(|hash| state.passwords.needs_rehash(hash))
        .map(str::to_owned);
    let matched = state.passwords.verify(password, stored_hash).await?;
    match account {
        Some(user) if matched => {
            state
                .limits
                .succeeded(&state.db, own_counter, Some(address_counter))
                .await;
            let mut password_stamp = stamp;
            if let Some(old_hash) = outdated {
                password_stamp = rehash(state, user.id, password, &old_hash).await.or(password_stamp);
            }
            AuditEvent::LoggedIn {
                method: Method::Password,
                user_id: user.id,
                email: Some(&email),
                trusted_device: Some(device.is_some()),
            }
            .record(client);
            Ok(SignedIn {
                user,
                email,
                password_stamp,
                method: Method::Password.to_string(),
                new_account: false,
            })
        }
        account => {
            AuditEvent::LoginFailed {
                method: Method::Password,
                user_id: account.map(|user| user.id),
                email: Some(&email),
                reason: None,
                trusted_device: Some(device.is_some()),
            }
            .record(client);
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Confirms that the user of `session` is who they say, by their password,
/// before a change to how the account signs in: `next` (a new session id,
/// the same absolute expiry, the proof's time) replaces the session. Wrong
/// passwords count with the account's failed logins and its network's, so a
/// stolen cookie is no way around the login limits.
#[tracing::instrument(skip_all, fields(user_id = %session.user.id, %client))]
pub async fn reauthenticate(
    state: &AppState,
    session: &Session,
    password: &str,
    client: IpAddr,
    next: &SessionRecord,
) -> Result<(), AppError> {
    let user_id = session.user.id;
    let limited = AuditEvent::ReauthenticationLimited {
        method: Method::Password,
        user_id,
    };
    let failed = AuditEvent::ReauthenticationFailed {
        method: Method::Password,
        user_id,
        reason: None,
    };
    if !proves_password(state, user_id, password, client, [limited, failed]).await? {
        return Err(AppError::InvalidPassword);
    }
    state.db.rotate_session(&session.secure.session_id, next).await?;
    AuditEvent::Reauthenticated {
        method: Method::Password,
        user_id,
    }
    .record(client);
    Ok(())
}

/// Whether `password` is the password of the signed-in user `user_id` (a
/// re-authentication; the current password of a change). Counted, until it
/// proves right, with the account's failed logins and its network's, so a
/// stolen cookie is no way around the login limits; past them
/// [`AppError::TooManyRequests`] without any bcrypt work. An account without
/// a password never proves one. `[limited, failed]`: what the audit log
/// records past the limits, and for a wrong password.
async fn proves_password(
    state: &AppState,
    user_id: UserId,
    password: &str,
    client: IpAddr,
    [limited, failed]: [AuditEvent<'_>; 2],
) -> Result<bool, AppError> {
    let Some((email, _)) = state.db.email_state(user_id).await? else {
        return Err(AppError::Unauthorized);
    };
    let own_counter = Counter::LoginByAccount(&email);
    let address_counter = Counter::LoginByAddress(client);
    record_refusal(
        state.limits.reserve(&state.db, &[own_counter, address_counter]).await,
        limited,
        client,
    )?;
    let stored = state.db.password_hash(user_id).await?;
    let matched = state.passwords.verify(password, stored).await?;
    if matched {
        state
            .limits
            .succeeded(&state.db, own_counter, Some(address_counter))
            .await;
    } else {
        failed.record(client);
    }
    Ok(matched)
}

/// Stores the password anew at the configured cost (after `BCRYPT_COST` was
/// raised, say), unless the stored hash is no longer `old_hash`: a password
/// changed since this login read it must stay changed. Best effort: the login
/// succeeds whatever happens here. The stamp of the new hash when stored.
async fn rehash(state: &AppState, user_id: UserId, password: &str, old_hash: &str) -> Option<String> {
    let password = Password::parse(password).ok()?;
    let hash = match state.passwords.hash(&password).await {
        Ok(hash) => hash,
        Err(err) => {
            tracing::warn!(%user_id, error = %err, "could not rehash the password");
            return None;
        }
    };
    match state.db.replace_password_hash(user_id, old_hash, &hash).await {
        Ok(true) => {
            tracing::info!(
                %user_id,
                cost = state.passwords.cost(),
                "password rehashed at the configured cost"
            );
            Some(credential_stamp(&hash))
        }
        Ok(false) => {
            tracing::info!(%user_id, "password changed meanwhile: rehash dropped");
            None
        }
        Err(err) => {
            tracing::warn!(%user_id, error = %err, "could not rehash the password");
            None
        }
    }
}

/// Ends every session of the user, `current` included, and stores `successor`
/// (see `session::successor_session`) as the only one; refused (401) when
/// `current` ended meanwhile, so a revoked session cannot live on.
#[tracing::instrument(skip_all, fields(user_id = %successor.user_id, %client))]
pub async fn log_out_everywhere(
    state: &AppState,
    current: &Session,
    successor: &SessionRecord,
    client: IpAddr,
) -> Result<(), AppError> {
    state.db.replace_sessions(&current.secure.session_id, successor).await?;
    AuditEvent::LoggedOutEverywhere {
        user_id: successor.user_id,
    }
    .record(client);
    notify(state, successor.user_id, Notice::LoggedOutEverywhere, client).await;
    Ok(())
}

/// Replaces the password once the current one is proved: every session ends
/// but `next`, a new one for this browser. Wrong current passwords count
/// with the account's failed logins (see [`proves_password`]).
#[tracing::instrument(skip_all, fields(user_id = %session.user.id, %client))]
pub async fn change_password(
    state: &AppState,
    session: &Session,
    current: &str,
    new: Password,
    client: IpAddr,
    next: &SessionRecord,
) -> Result<(), AppError> {
    let user_id = session.user.id;
    screen_new_password(state, user_id, &new, "new_password").await?;
    // An account without a password (made with a passkey) has no current
    // password to give: it sets its first one with `set_first_password`.
    let audited = [
        AuditEvent::PasswordChangeLimited { user_id },
        AuditEvent::PasswordChangeFailed { user_id },
    ];
    if !proves_password(state, user_id, current, client, audited).await? {
        return Err(ValidationError::new("current_password", Invalid::CurrentPasswordWrong).into());
    }
    let hash = state.passwords.hash(&new).await?;
    state
        .db
        .change_password(&hash, &session.secure.session_id, next)
        .await?;
    // The change is committed: nothing after this point may turn it into an error.
    AuditEvent::PasswordChanged { user_id }.record(client);
    notify(state, user_id, Notice::PasswordChanged, client).await;
    Ok(())
}

/// Gives an account made with a passkey (or at a provider) its first
/// password: every session ends but `next`, which carries `current` on, as
/// with any new password. Refused as a wrong current password once the
/// account has one (it must be changed, proving the old), before any bcrypt
/// work; attempts are limited like password changes.
#[tracing::instrument(skip_all, fields(user_id = %next.user_id, %client))]
pub async fn set_first_password(
    state: &AppState,
    current: &Session,
    new: Password,
    client: IpAddr,
    next: &SessionRecord,
) -> Result<(), AppError> {
    let user_id = next.user_id;
    let has_one = || AppError::from(ValidationError::new("current_password", Invalid::CurrentPasswordWrong));
    let own_counter = Counter::PasswordChangeByUser(user_id);
    record_refusal(
        state.limits.reserve(&state.db, &[own_counter]).await,
        AuditEvent::PasswordSetLimited { user_id },
        client,
    )?;
    if state.db.password_hash(user_id).await?.is_some() {
        return Err(has_one());
    }
    screen_new_password(state, user_id, &new, "new_password").await?;
    let hash = state.passwords.hash(&new).await?;
    if !state
        .db
        .set_first_password(&hash, &current.secure.session_id, next)
        .await?
    {
        return Err(has_one());
    }
    AuditEvent::PasswordSet { user_id }.record(client);
    state.limits.succeeded(&state.db, own_counter, None).await;
    notify(state, user_id, Notice::PasswordChanged, client).await;
    Ok(())
}

/// Refuses a new `password` for the account `user_id` that is common or made
/// of the account's own name or email (see [`Password::screen`]), as a
/// problem of the form field `field`. Cheap: run before any bcrypt work.
pub async fn screen_new_password(
    state: &AppState,
    user_id: UserId,
    password: &Password,
    field: &'static str,
) -> Result<(), AppError> {
    let (Some(profile), Some(email)) = (state.db.find_user(user_id).await?, state.db.email_of(user_id).await?) else {
        return Err(AppError::Unauthorized);
    };
    password
        .screen(&[&profile.name, &email, SITE_NAME])
        .map_err(|problem| AppError::from(problem.in_field(field)))?;
    refuse_breached(state, password, field).await
}

/// Refuses a new `password` that the breached-password service lists, when
/// one is configured (`PWNED_PASSWORDS_URL`). A service that does not
/// answer lets the password through (logged): it helps people choose, and
/// must not be a way to stop every registration.
async fn refuse_breached(state: &AppState, password: &Password, field: &'static str) -> Result<(), AppError> {
    match &state.breached_passwords {
        Some(service) if service.contains(password).await == Some(true) => {
            Err(ValidationError::new(field, Invalid::PasswordBreached).into())
        }
        _ => Ok(()),
    }
}
