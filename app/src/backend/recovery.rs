//! Links mailed to a user: a password reset for someone who forgot theirs,
//! and the proof that an email address belongs to its account. A link carries
//! 256 random bits; the database keeps only their SHA-256, with the user, the
//! purpose and an expiry, and a link works once.

use super::{
    accounts::{self, SignedIn},
    db::{NewToken, PasswordReset, SessionId, TokenPurpose},
    device::credential_stamp,
    lifecycle,
    limits::Counter,
    log_safe::Untrusted,
    mail::Mail,
    notices::{notify, Notice},
    session::NewSession,
    sha256_hex,
    two_factor::PendingSignIn,
    AppState,
};
use crate::backend::audit::{record_refusal, AuditEvent, Method};
use crate::domain::UserId;
use crate::{
    domain::{Email, Password},
    error::AppError,
    model::UserSummary,
    SITE_NAME,
};
use std::net::IpAddr;

/// How long a reset link works, in seconds.
const RESET_LIFETIME: i64 = 60 * 60;
/// How long a verification link works, in seconds.
const VERIFICATION_LIFETIME: i64 = 24 * 60 * 60;

/// A new token, as mailed, and the hash the database keeps.
pub(super) fn new_token() -> (String, String) {
    let token = super::hex(&rand::random::<[u8; 32]>());
    let hash = sha256_hex(&token);
    (token, hash)
}

/// The mailed links, by the path of the page each opens.
const LINK_PAGES: [(&str, TokenPurpose); 4] = [
    ("/reset-password", TokenPurpose::PasswordReset),
    ("/verify-email", TokenPurpose::EmailVerification),
    ("/confirm-email", TokenPurpose::EmailChange),
    ("/undo-email-change", TokenPurpose::UndoEmailChange),
];

/// Whether the link to `page` carrying `token` still works, leaving it
/// unspent: what its page asks on opening, so that a used or expired link
/// says so (and offers a new one) at once, not after the form is filled in.
/// [`AppError::InvalidLink`] when it does not, or `page` takes no link.
/// Not limited: it costs a lookup by hash, and a token is 256 random bits,
/// which no number of attempts guesses.
pub async fn check_link(state: &AppState, page: &str, token: &str) -> Result<(), AppError> {
    let purpose = LINK_PAGES
        .iter()
        .find(|(path, _)| *path == page)
        .map(|(_, purpose)| *purpose)
        .ok_or(AppError::InvalidLink)?;
    let owner = state
        .db
        .token_owner(purpose, &sha256_hex(token), state.clock.unix_now())
        .await?;
    owner.map(drop).ok_or(AppError::InvalidLink)
}

/// Handles "forgot password" for `email`: limited per email and asker's
/// network (so that strangers cannot use up the owner's requests) and per
/// network, and otherwise answered alike whether an account has that email
/// or not. The lookup, the token and the mail happen after the answer, in a
/// task of their own, so neither the answer nor its timing says which it
/// was. Past the number of links one address is sent in a window, nothing
/// more is mailed; the links sent before keep working.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn request_password_reset(state: &AppState, email: Email, client: IpAddr) -> Result<(), AppError> {
    let email = email.as_str().to_owned();
    record_refusal(
        state
            .limits
            .reserve(
                &state.db,
                &[
                    Counter::RecoveryByEmail(&email, client),
                    Counter::RecoveryByAddress(client),
                ],
            )
            .await,
        AuditEvent::PasswordResetRequestLimited { email: &email },
        client,
    )?;
    AuditEvent::PasswordResetRequested { email: &email }.record(client);
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(err) = mail_reset_link(&state, &email).await {
            tracing::warn!(email = %Untrusted(&email), error = %err, "reset link not sent");
        }
    });
    Ok(())
}

async fn mail_reset_link(state: &AppState, email: &str) -> Result<(), AppError> {
    if !state.mailer.delivers() {
        return Ok(());
    }
    let Some(user_id) = state.db.user_id_by_email(email).await? else {
        return Ok(());
    };
    if let Err(err) = state
        .limits
        .reserve(&state.db, &[Counter::RecoveryMailByEmail(email)])
        .await
    {
        AuditEvent::PasswordResetMailLimited { user_id }.record(None);
        return match err {
            AppError::TooManyRequests { .. } => Ok(()),
            err => Err(err),
        };
    }
    mail_new_link(state, TokenPurpose::PasswordReset, user_id, email).await
}

/// Stores a new token of `purpose` for the user (see
/// `Database::store_token` for which earlier ones keep working), and
/// mails its link to `email`.
pub(super) async fn mail_new_link(
    state: &AppState,
    purpose: TokenPurpose,
    user_id: UserId,
    email: &str,
) -> Result<(), AppError> {
    let (lifetime, page, mail): (i64, &str, fn(&str, &str) -> Mail) = match purpose {
        TokenPurpose::PasswordReset => (RESET_LIFETIME, "reset-password", reset_mail),
        TokenPurpose::EmailVerification => (VERIFICATION_LIFETIME, "verify-email", verification_mail),
        TokenPurpose::EmailChange | TokenPurpose::UndoEmailChange => return Err(AppError::Internal),
    };
    let (token, hash) = new_token();
    let now = state.clock.unix_now();
    let stored = NewToken {
        purpose,
        user_id,
        token_hash: &hash,
        email: None,
        expires_at: now.plus(lifetime),
    };
    state.db.store_token(&stored, now).await?;
    let link = format!("{}/{page}?token={token}", state.public_origin);
    state.mailer.send(mail(email, &link)).await
}

fn reset_mail(to: &str, link: &str) -> Mail {
    link_mail(
        to,
        format!("Reset your {SITE_NAME} password"),
        &format!(
            "Someone, hopefully you, asked to reset the password of the {SITE_NAME} account for this address. \
             This link sets a new one; it works once, for an hour:"
        ),
        link,
        "If it was not you, ignore this message: your password stays as it is.",
    )
}

fn verification_mail(to: &str, link: &str) -> Mail {
    link_mail(
        to,
        format!("Confirm your email address for {SITE_NAME}"),
        &format!(
            "Confirm that this address belongs to your {SITE_NAME} account. \
             This link works once, for 24 hours:"
        ),
        link,
        "If you did not create an account, ignore this message.",
    )
}

/// A message whose point is one link.
pub(super) fn link_mail(to: &str, subject: String, intro: &str, link: &str, outro: &str) -> Mail {
    let escaped = html_escape::encode_double_quoted_attribute(link);
    Mail {
        to: to.to_owned(),
        subject,
        text: format!("{intro}\n\n{link}\n\n{outro}\n"),
        html: format!(
            "<p>{}</p><p><a href=\"{escaped}\">{}</a></p><p>{}</p>",
            html_escape::encode_text(intro),
            html_escape::encode_text(link),
            html_escape::encode_text(outro)
        ),
    }
}

/// Sets a new password with a reset token: every session of the user ends,
/// and `start(user)` becomes the only one, ending with it the session
/// `held` that the browser held until now, whoever's it was; the address is
/// verified, and an account its owner had not claimed loses every way in
/// made before (see `Database::reset_password`). Any token that is not live
/// (bad, used, expired, or void since the password changed) is
/// [`AppError::InvalidLink`].
/// The token is spent before the bcrypt work, so parallel requests with one
/// token cost one hash; attempts are limited per network. With two-step
/// verification on (and the account claimed, so it stays on) no session
/// starts: the new password is the first step of a sign-in, and a code
/// must follow.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn reset_password(
    state: &AppState,
    token: &str,
    password: Password,
    client: IpAddr,
    start: impl FnOnce(UserSummary) -> NewSession,
    held: Option<(UserId, &SessionId)>,
) -> Result<ResetOutcome, AppError> {
    let address_counter = Counter::RecoveryByAddress(client);
    record_refusal(
        state.limits.reserve(&state.db, &[address_counter]).await,
        AuditEvent::PasswordResetLimited,
        client,
    )?;
    let now = state.clock.unix_now();
    let refused = || {
        AuditEvent::PasswordResetFailed.record(client);
        AppError::InvalidLink
    };
    let token_hash = sha256_hex(token);
    let owner = state
        .db
        .token_owner(TokenPurpose::PasswordReset, &token_hash, now)
        .await?
        .ok_or_else(refused)?;
    lifecycle::refuse_disabled(state, owner, client).await?;
    // Screened before the token is spent, so a refused password leaves the
    // link working for a better one.
    if let Err(refusal) = accounts::screen_new_password(state, owner, &password, "password").await {
        state.limits.refund(&state.db, address_counter).await;
        return Err(refusal);
    }
    let user = state
        .db
        .spend(TokenPurpose::PasswordReset, &token_hash, now)
        .await?
        .ok_or_else(refused)?;
    let password_hash = state.passwords.hash(&password).await?;
    let started = start(user.clone());
    let Some(reset) = state
        .db
        .reset_password(&password_hash, &started.record, held, now)
        .await?
    else {
        return Err(refused());
    };
    state.limits.refund(&state.db, address_counter).await;
    let user_id = started.record.user_id;
    AuditEvent::PasswordReset { user_id }.record(client);
    notify(state, user_id, Notice::PasswordChanged, client).await;
    Ok(match reset {
        PasswordReset::SignedIn => ResetOutcome::SignedIn(started),
        PasswordReset::SecondStepDue => {
            let email = state.db.email_of(user_id).await?.unwrap_or_default();
            let signed_in = SignedIn {
                user,
                email,
                password_stamp: Some(credential_stamp(&password_hash)),
                method: Method::Password.to_string(),
                new_account: false,
            };
            ResetOutcome::SecondStepDue(PendingSignIn::after(&signed_in, now.seconds()))
        }
    })
}

/// What a finished reset leads to.
pub enum ResetOutcome {
    /// The new session, stored: the browser gets its cookie.
    SignedIn(NewSession),
    /// Two-step verification is on: a code must follow.
    SecondStepDue(PendingSignIn),
}

/// Marks the email of the token's user verified; `session_user` is the
/// user of the session the link was followed in, if any.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn verify_email(
    state: &AppState,
    token: &str,
    session_user: Option<UserId>,
    client: IpAddr,
) -> Result<(), AppError> {
    if state
        .db
        .verify_email(&sha256_hex(token), state.clock.unix_now(), session_user)
        .await?
    {
        AuditEvent::EmailVerified {
            in_session: session_user.is_some(),
        }
        .record(client);
        Ok(())
    } else {
        AuditEvent::EmailVerificationFailed.record(client);
        Err(AppError::InvalidLink)
    }
}

/// Mails the user a new verification link (the earlier one stops working),
/// unless the email is verified already.
pub async fn send_verification_link(state: &AppState, user_id: UserId) -> Result<(), AppError> {
    if !state.mailer.delivers() {
        return Ok(());
    }
    let Some((email, false)) = state.db.email_state(user_id).await? else {
        return Ok(());
    };
    mail_new_link(state, TokenPurpose::EmailVerification, user_id, &email).await
}

/// "Send again" on the account page, limited per user.
#[tracing::instrument(skip_all, fields(user_id, %client))]
pub async fn resend_verification_link(state: &AppState, user_id: UserId, client: IpAddr) -> Result<(), AppError> {
    record_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::VerificationMailByUser(user_id)])
            .await,
        AuditEvent::VerificationMailLimited { user_id },
        client,
    )?;
    AuditEvent::VerificationMailRequested { user_id }.record(client);
    send_verification_link(state, user_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_256_random_bits_and_only_its_hash_is_kept() {
        let (token, hash) = new_token();
        assert_eq!(token.len(), 64);
        assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(hash, sha256_hex(&token));
        assert_ne!(hash, token);
        assert_ne!(new_token().0, token);
    }

    #[test]
    fn a_link_mail_escapes_its_link_in_html() {
        let mail = reset_mail("ada@example.com", "https://site.example/reset-password?token=ab\"<cd>");
        assert!(mail.text.contains("https://site.example/reset-password?token=ab\"<cd>"));
        assert!(mail
            .html
            .contains("href=\"https://site.example/reset-password?token=ab&quot;&lt;cd&gt;\""));
        assert!(!mail.html.contains("<cd>"));
        assert_eq!(mail.subject, concat!("Reset your ", crate::site_name!(), " password"));
    }
}
