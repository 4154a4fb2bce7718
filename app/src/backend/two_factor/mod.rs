//! Two-step verification: turning it on and off, recovery codes, and the
//! second step of a sign-in. A right password, a finished reset or a
//! provider's sign-in of a user with it on starts no session: it leaves a
//! [`PendingSignIn`] in a short-lived sealed cookie, and a code (or a
//! recovery code) turns that into the session. A user-verifying passkey is
//! two factors itself and signs in directly.

pub mod codes;

use super::{
    accounts::SignedIn,
    audit::{record_refusal, AuditEvent, Method},
    db::{Credentials, TwoFactorRecord},
    device::credential_stamp,
    limits::Counter,
    notices::{notify, Notice},
    random_id,
    sealed::SealedCookie,
    session::CookieKeys,
    AppState,
};
use crate::domain::{Invalid, UserId, ValidationError};
use crate::{
    error::AppError,
    model::{SignInOutcome, TwoFactorSetup},
    SITE_NAME,
};
use axum_extra::extract::cookie::SameSite;
use codes::{looks_like_totp, new_recovery_codes, recovery_code_hash, TotpSecret};
use http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// How long a sign-in waits for its second step, in seconds.
pub const PENDING_SECONDS: i64 = 300;

/// A sign-in whose first step is done, waiting for a code: who proved it
/// and how (what the session will need), until when, and a random id its
/// wrong codes are counted under.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub id: String,
    pub user_id: UserId,
    pub email: String,
    pub password_stamp: Option<String>,
    /// The first step's [`SignedIn::method`].
    #[serde(default)]
    pub method: String,
    /// Unix seconds.
    pub expires_at: i64,
}

impl PendingSignIn {
    pub fn after(signed_in: &SignedIn, now: i64) -> Self {
        Self {
            id: random_id(),
            user_id: signed_in.user.id,
            email: signed_in.email.clone(),
            password_stamp: signed_in.password_stamp.clone(),
            method: signed_in.method.clone(),
            expires_at: now + PENDING_SECONDS,
        }
    }

    /// Whether the first step still proves who this is: the account has the
    /// same address and, when the first step was a password, that password.
    /// A password changed or reset in the meantime (its owner locking out a
    /// thief who had it) voids the sign-in, as it ends sessions.
    pub fn still_holds_for(&self, account: &Credentials) -> bool {
        let same_password = match &self.password_stamp {
            Some(stamp) => account.password_hash.as_deref().map(credential_stamp).as_ref() == Some(stamp),
            None => true,
        };
        account.email == self.email && same_password
    }
}

/// The cookie a [`PendingSignIn`] waits in: sealed, `HttpOnly`, five
/// minutes; `SameSite=Lax` so that the return from an identity provider
/// (a top-level navigation from its site) can set it.
pub struct PendingSignIns(SealedCookie);

impl PendingSignIns {
    pub fn new(keys: CookieKeys, secure: bool) -> Self {
        Self(SealedCookie::new(
            keys,
            "second-step",
            secure,
            SameSite::Lax,
            time::Duration::seconds(PENDING_SECONDS),
        ))
    }

    pub fn issue(&self, pending: &PendingSignIn) -> Result<HeaderValue, AppError> {
        self.0.seal(pending)
    }

    /// The request's pending sign-in, if one is there and not expired at `now`.
    pub fn open(&self, headers: &HeaderMap, now: i64) -> Option<PendingSignIn> {
        self.0
            .open::<PendingSignIn>(headers)
            .filter(|pending| pending.expires_at > now)
    }

    pub fn removal(&self) -> HeaderValue {
        self.0.removal()
    }
}

/// The page a browser finishes a sign-in on, on its way to `target`.
pub fn second_step_page(target: &str) -> String {
    format!(
        "/two-factor?redirect={}",
        percent_encoding::utf8_percent_encode(target, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// Where a plain form post goes after a right password: `target`, or the
/// second step's page on the way there.
pub fn next_page(result: &Result<SignInOutcome, AppError>, target: &str) -> String {
    match result {
        Ok(SignInOutcome::SecondStepDue { .. }) => second_step_page(target),
        _ => target.to_owned(),
    }
}

/// Whether a user who has just proved a password, or signed in at a
/// provider, must still give a code.
pub async fn second_step_due(state: &AppState, signed_in: &SignedIn) -> Result<bool, AppError> {
    state.db.two_factor_enabled(signed_in.user.id).await
}

/// A new secret for the user, waiting to be confirmed with a code (in place
/// of one that was waiting): the secret in base32, its `otpauth://` URI and
/// the URI's QR code.
pub async fn set_up(state: &AppState, user_id: UserId) -> Result<TwoFactorSetup, AppError> {
    let email = state.db.email_of(user_id).await?.ok_or(AppError::Unauthorized)?;
    let secret = TotpSecret::generate();
    if !state
        .db
        .set_up_two_factor(user_id, &state.two_factor_secrets.seal(user_id, &secret))
        .await?
    {
        return Err(AppError::TwoFactorOn);
    }
    Ok(shown(&secret, &email))
}

/// The set-up `waiting` for its code, to show again; `None` when its
/// secret no longer opens (the pepper changed) or the user is gone.
pub async fn waiting_setup(
    state: &AppState,
    user_id: UserId,
    waiting: &TwoFactorRecord,
) -> Result<Option<TwoFactorSetup>, AppError> {
    let Some(email) = state.db.email_of(user_id).await? else {
        return Ok(None);
    };
    let secret = state.two_factor_secrets.open(user_id, &waiting.sealed_secret);
    Ok(secret.map(|secret| shown(&secret, &email)))
}

/// `secret` as the user puts it in an authenticator: typed, or scanned.
fn shown(secret: &TotpSecret, email: &str) -> TwoFactorSetup {
    let uri = secret.uri(SITE_NAME, email);
    TwoFactorSetup {
        secret: secret.base32(),
        qr_svg: TotpSecret::qr_svg(&uri),
        uri,
    }
}

/// Turns on the secret set up, once `code` shows the user's authenticator
/// has it: the new recovery codes, shown this once.
pub async fn enable(state: &AppState, user_id: UserId, code: &str, client: IpAddr) -> Result<Vec<String>, AppError> {
    let wrong = || AppError::from(ValidationError::new("code", Invalid::CodeWrong));
    let record = match state.db.two_factor_of(user_id).await? {
        Some(record) if !record.enabled => record,
        Some(_) => return Err(AppError::TwoFactorOn),
        None => return Err(AppError::TwoFactorOff),
    };
    let secret = state
        .two_factor_secrets
        .open(user_id, &record.sealed_secret)
        .ok_or(AppError::Internal)?;
    let step = secret
        .step_of(code, state.clock.unix_now().seconds())
        .ok_or_else(wrong)?;
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|code| recovery_code_hash(code)).collect();
    if !state
        .db
        .enable_two_factor(user_id, &record.sealed_secret, step, &hashes, state.clock.unix_now())
        .await?
    {
        return Err(wrong());
    }
    AuditEvent::TwoFactorEnabled { user_id }.record(client);
    notify(state, user_id, Notice::TwoFactorEnabled, client).await;
    Ok(codes)
}

pub async fn disable(state: &AppState, user_id: UserId, client: IpAddr) -> Result<(), AppError> {
    if !state.db.disable_two_factor(user_id).await? {
        return Err(AppError::TwoFactorOff);
    }
    AuditEvent::TwoFactorDisabled { user_id }.record(client);
    notify(state, user_id, Notice::TwoFactorDisabled, client).await;
    Ok(())
}

/// A new set of recovery codes; the old set stops working.
pub async fn renew_recovery_codes(state: &AppState, user_id: UserId, client: IpAddr) -> Result<Vec<String>, AppError> {
    let codes = new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|code| recovery_code_hash(code)).collect();
    if !state.db.renew_recovery_codes(user_id, &hashes).await? {
        return Err(AppError::TwoFactorOff);
    }
    AuditEvent::RecoveryCodesRenewed { user_id }.record(client);
    Ok(codes)
}

/// Finishes `pending` with `code`: a current authenticator code not used
/// before, or an unused recovery code. Wrong codes count per sign-in and
/// per account (past the limit 429, and the owner is told once a window);
/// the user, to start the session with.
pub async fn finish_sign_in(
    state: &AppState,
    pending: &PendingSignIn,
    code: &str,
    client: IpAddr,
) -> Result<SignedIn, AppError> {
    let user_id = pending.user_id;
    let per_user = Counter::SecondStepByUser(user_id);
    let reserved = state
        .limits
        .reserve(&state.db, &[Counter::SecondStepBySignIn(&pending.id), per_user])
        .await;
    if let Err(AppError::TooManyRequests { .. }) = reserved {
        let notice = [Counter::SecondStepNoticeByUser(user_id)];
        if state.limits.reserve(&state.db, &notice).await.is_ok() {
            notify(state, user_id, Notice::SecondStepGuessed, client).await;
        }
    }
    record_refusal(reserved, AuditEvent::SecondStepLimited { user_id }, client)?;
    let account = state.db.credentials_of(user_id).await?;
    let Some(account) = account.filter(|account| pending.still_holds_for(account)) else {
        return Err(AppError::SignInExpired);
    };
    let method = match accepted(state, user_id, code).await? {
        Some(method) => method,
        None => {
            AuditEvent::SecondStepFailed { user_id }.record(client);
            return Err(AppError::InvalidCode);
        }
    };
    state.limits.succeeded(&state.db, per_user, None).await;
    AuditEvent::SecondStepPassed { method, user_id }.record(client);
    if method == Method::RecoveryCode {
        notify(state, user_id, Notice::RecoveryCodeUsed, client).await;
    }
    Ok(SignedIn {
        user: account.user,
        email: account.email,
        password_stamp: pending.password_stamp.clone(),
        method: pending.method.clone(),
        new_account: false,
    })
}

/// How `code` proves the second step of `user_id`, spending it; `None`
/// when it does not.
async fn accepted(state: &AppState, user_id: UserId, code: &str) -> Result<Option<Method<'static>>, AppError> {
    if !looks_like_totp(code) {
        let spent = state.db.spend_recovery_code(user_id, &recovery_code_hash(code)).await?;
        return Ok(spent.then_some(Method::RecoveryCode));
    }
    let Some(record) = state.db.two_factor_of(user_id).await?.filter(|record| record.enabled) else {
        return Ok(None);
    };
    let secret = state
        .two_factor_secrets
        .open(user_id, &record.sealed_secret)
        .ok_or(AppError::Internal)?;
    let Some(step) = secret.step_of(code, state.clock.unix_now().seconds()) else {
        return Ok(None);
    };
    let spent = step > record.last_step && state.db.spend_totp_step(user_id, step).await?;
    Ok(spent.then_some(Method::Totp))
}
