//! Changing the address an account signs in with. A link mailed to the new
//! address proves it; nothing changes until it is followed. The old address
//! is told at once, and once the change is made it gets a link that puts it
//! back, ends every session and removes every way in that may have been
//! added: the owner's way out when someone else, signed in to the account,
//! moved it to an address of theirs.

use super::{
    audit::{record_refusal, AuditEvent},
    db::{NewToken, TokenPurpose},
    limits::Counter,
    mail::Mail,
    notices::{notify_address, Notice},
    recovery::{self, link_mail, new_token},
    sha256_hex, AppState,
};
use crate::{
    domain::{Email, Invalid, UserId, ValidationError},
    error::AppError,
    SITE_NAME,
};
use std::net::IpAddr;

/// How long the link to the new address works, in seconds.
const CHANGE_LIFETIME: i64 = 60 * 60;
/// How long the old address can take the account back, in seconds.
const UNDO_LIFETIME: i64 = 7 * 24 * 60 * 60;

/// Asks to move the account of `user_id` to `new_email`: a link to it,
/// and a notice to the address it has. A new address that another account
/// has gets the same answer, and a mail saying so instead of the link.
#[tracing::instrument(skip_all, fields(%user_id, %client))]
pub async fn request_change(
    state: &AppState,
    user_id: UserId,
    new_email: &Email,
    client: IpAddr,
) -> Result<(), AppError> {
    let current = state.db.email_of(user_id).await?.ok_or(AppError::Unauthorized)?;
    let new_email = new_email.as_str();
    if new_email == current {
        return Err(ValidationError::new("email", Invalid::EmailUnchanged).into());
    }
    record_refusal(
        state
            .limits
            .reserve(&state.db, &[Counter::EmailChangeByUser(user_id)])
            .await,
        AuditEvent::EmailChangeLimited { user_id },
        client,
    )?;
    AuditEvent::EmailChangeRequested { user_id }.record(client);
    let mail = match state.db.user_id_by_email(new_email).await? {
        Some(_) => address_taken_mail(new_email),
        None => {
            let (token, hash) = new_token();
            let now = state.clock.unix_now();
            let stored = NewToken {
                purpose: TokenPurpose::EmailChange,
                user_id,
                token_hash: &hash,
                email: Some(new_email),
                expires_at: now.plus(CHANGE_LIFETIME),
            };
            state.db.store_token(&stored, now).await?;
            change_mail(
                new_email,
                &format!("{}/confirm-email?token={token}", state.public_origin),
            )
        }
    };
    state.mailer.send(mail).await?;
    notify_address(state, &current, Notice::EmailChangeAsked { to: new_email }, client).await;
    Ok(())
}

/// Makes the change a link mailed to the new address asks for; the old
/// address gets its way back. [`AppError::InvalidLink`] for a link that is
/// bad, used, expired or void.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn confirm_change(state: &AppState, token: &str, client: IpAddr) -> Result<(), AppError> {
    let now = state.clock.unix_now();
    let (undo, undo_hash) = new_token();
    let Some(changed) = state
        .db
        .change_email(&sha256_hex(token), now, &undo_hash, now.plus(UNDO_LIFETIME))
        .await?
    else {
        AuditEvent::EmailChangeFailed.record(client);
        return Err(AppError::InvalidLink);
    };
    AuditEvent::EmailChanged {
        user_id: changed.user_id,
    }
    .record(client);
    let link = format!("{}/undo-email-change?token={undo}", state.public_origin);
    state
        .mailer
        .send(undo_mail(&changed.old_email, &changed.new_email, &link))
        .await
}

/// Puts back the address an undo link was mailed to; every way in the
/// other party may have set up goes with every session (see
/// [`Database::undo_email_change`](super::db::Database::undo_email_change)),
/// and the address is mailed a link to set a new password.
/// [`AppError::InvalidLink`] as for the others.
#[tracing::instrument(skip_all, fields(%client))]
pub async fn undo_change(state: &AppState, token: &str, client: IpAddr) -> Result<(), AppError> {
    let Some(undone) = state
        .db
        .undo_email_change(&sha256_hex(token), state.clock.unix_now())
        .await?
    else {
        AuditEvent::EmailChangeUndoFailed.record(client);
        return Err(AppError::InvalidLink);
    };
    AuditEvent::EmailChangeUndone {
        user_id: undone.user_id,
    }
    .record(client);
    recovery::mail_new_link(state, TokenPurpose::PasswordReset, undone.user_id, &undone.new_email).await
}

fn change_mail(to: &str, link: &str) -> Mail {
    link_mail(
        to,
        format!("Confirm your new email address for {SITE_NAME}"),
        &format!(
            "Someone, hopefully you, asked to make this the email address of a {SITE_NAME} account. \
             This link does it; it works once, for an hour:"
        ),
        link,
        "If it was not you, ignore this message: nothing changes.",
    )
}

fn address_taken_mail(to: &str) -> Mail {
    let text = format!(
        "Someone asked to make this the email address of a {SITE_NAME} account, but this address already \
         has an account, so nothing changed. If it was you, log in to that account instead, or delete it \
         first. If it was not you, ignore this message."
    );
    Mail {
        to: to.to_owned(),
        subject: format!("Your email address already has a {SITE_NAME} account"),
        html: format!("<p>{}</p>", html_escape::encode_text(&text)),
        text: format!("{text}\n"),
    }
}

fn undo_mail(to: &str, new_email: &str, link: &str) -> Mail {
    link_mail(
        to,
        format!("Your {SITE_NAME} email address was changed"),
        &format!(
            "The email address of your {SITE_NAME} account was changed from this one to {new_email}. \
             If it was not you, this link takes the account back: this address returns, every session \
             ends, every way to sign in that may have been added goes, and you set a new password. It \
             works once, for 7 days:"
        ),
        link,
        "If it was you, there is nothing to do.",
    )
}
