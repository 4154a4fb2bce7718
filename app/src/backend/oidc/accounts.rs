//! Whose account an identity signs in to. An identity linked before signs
//! in to its user. A new one makes a new account from the provider's name
//! and email, unless an account has that email already. Then, when the
//! provider does not vouch for the email (`email_verified`), its owner must
//! log in and link the provider from the account page, so that no provider
//! account can enter an account by claiming its address. When it does, the
//! address's owner is signing in: into an account whose ways in are known
//! to be theirs (claimed), the identity joins it; into one that is not (a
//! pre-hijacked account: whoever made it may not own the address), the
//! owner takes it over, and every way in made before goes.

use super::flow::ProviderIdentity;
use crate::backend::audit::{AuditEvent, Method};
use crate::{
    backend::{
        accounts::{self, SignedIn},
        db::{NewIdentity, SessionRecord},
        notices::{notify, Notice},
        recovery,
        session::Session,
        AppState,
    },
    domain::{Email, UserName},
    error::AppError,
    model::UserSummary,
};
use std::net::IpAddr;

/// Signs in with the identity `identity` asserted at `provider_id`.
pub async fn sign_in(
    state: &AppState,
    provider_id: &str,
    identity: &ProviderIdentity,
    client: IpAddr,
) -> Result<SignedIn, AppError> {
    let signed_in = account_of(state, provider_id, identity, client).await?;
    AuditEvent::LoggedIn {
        method: Method::Provider(provider_id),
        user_id: signed_in.user.id,
        email: None,
        trusted_device: None,
    }
    .record(client);
    Ok(signed_in)
}

/// The account `identity` signs in to: its own, one it may join, or a new one.
async fn account_of(
    state: &AppState,
    provider_id: &str,
    identity: &ProviderIdentity,
    client: IpAddr,
) -> Result<SignedIn, AppError> {
    let now = state.clock.unix_now();
    let method = Method::Provider(provider_id);
    if let Some((user, email)) = state
        .db
        .sign_in_with_identity(provider_id, &identity.subject, now)
        .await?
    {
        return Ok(SignedIn {
            user,
            email,
            password_stamp: None,
            method: method.to_string(),
            new_account: false,
        });
    }
    let email = usable_email(identity)?;
    let new = NewIdentity {
        provider: provider_id,
        subject: &identity.subject,
        email: email.as_str(),
        created_at: now,
    };
    if let Some(account) = state.db.account_by_email(email.as_str()).await? {
        if !identity.email_verified {
            AuditEvent::LoginFailed {
                method,
                user_id: Some(account.user.id),
                email: None,
                reason: Some(&"email of an account it may not join"),
                trusted_device: None,
            }
            .record(client);
            return Err(AppError::IdentityNeedsLink);
        }
        let user_id = account.user.id;
        if account.claimed {
            state.db.link_identity(user_id, None, &new).await?;
            AuditEvent::IdentityLinked {
                method,
                user_id,
                automatic: true,
            }
            .record(client);
        } else {
            state.db.take_over_with_identity(user_id, &new, now).await?;
            AuditEvent::AccountTakenOver { method, user_id }.record(client);
        }
        notify(state, user_id, Notice::IdentityLinked, client).await;
        return Ok(SignedIn {
            user: account.user,
            email: email.as_str().to_owned(),
            password_stamp: None,
            method: method.to_string(),
            new_account: false,
        });
    }
    if let Err(closed) = accounts::refuse_when_closed(state) {
        AuditEvent::RegistrationFailed {
            method,
            email: email.as_str(),
            reason: &closed,
        }
        .record(client);
        return Err(closed);
    }
    let name = display_name(identity, &email);
    let created_at = state.clock.unix_now();
    let verified_at = identity.email_verified.then_some(created_at);
    let user_id = state
        .db
        .insert_identity_user(name.as_str(), email.as_str(), created_at, verified_at, &new)
        .await
        .inspect_err(|err| {
            AuditEvent::RegistrationFailed {
                method,
                email: email.as_str(),
                reason: err,
            }
            .record(client)
        })?;
    AuditEvent::Registered {
        method,
        user_id,
        email: email.as_str(),
    }
    .record(client);
    if !identity.email_verified {
        if let Err(err) = recovery::send_verification_link(state, user_id).await {
            tracing::warn!(%user_id, error = %err, "verification mail not queued");
        }
    }
    Ok(SignedIn {
        user: UserSummary {
            id: user_id,
            name: name.as_str().to_owned(),
        },
        email: email.as_str().to_owned(),
        password_stamp: None,
        method: method.to_string(),
        new_account: true,
    })
}

/// Links the identity to the user of `session`, while that session lasts.
pub async fn link(
    state: &AppState,
    session: &Session,
    provider_id: &str,
    identity: &ProviderIdentity,
    client: IpAddr,
) -> Result<(), AppError> {
    let user_id = session.user.id;
    let method = Method::Provider(provider_id);
    let email = identity.email.as_deref().unwrap_or_default();
    let new = NewIdentity {
        provider: provider_id,
        subject: &identity.subject,
        email: &email.chars().take(Email::MAX_CHARS).collect::<String>(),
        created_at: state.clock.unix_now(),
    };
    match state
        .db
        .link_identity(user_id, Some(&session.secure.session_id), &new)
        .await
    {
        Ok(()) => {
            AuditEvent::IdentityLinked {
                method,
                user_id,
                automatic: false,
            }
            .record(client);
            notify(state, user_id, Notice::IdentityLinked, client).await;
            Ok(())
        }
        Err(err) => {
            AuditEvent::IdentityLinkFailed {
                method,
                user_id: Some(user_id),
                reason: &err,
            }
            .record(client);
            Err(err)
        }
    }
}

/// The user of `session` proved who they are again with the identity: it
/// must be one linked to them. `next` then replaces the session (see
/// `accounts::reauthenticate`).
pub async fn reauthenticate(
    state: &AppState,
    session: &Session,
    provider_id: &str,
    identity: &ProviderIdentity,
    client: IpAddr,
    next: &SessionRecord,
) -> Result<(), AppError> {
    let user_id = session.user.id;
    let method = Method::Provider(provider_id);
    let signs_in_to = state
        .db
        .sign_in_with_identity(provider_id, &identity.subject, state.clock.unix_now())
        .await?
        .map(|(user, _)| user.id);
    if signs_in_to != Some(user_id) {
        AuditEvent::ReauthenticationFailed {
            method,
            user_id,
            reason: Some(&"identity not linked to this user"),
        }
        .record(client);
        return Err(AppError::SignInExpired);
    }
    state.db.rotate_session(&session.secure.session_id, next).await?;
    AuditEvent::Reauthenticated { method, user_id }.record(client);
    Ok(())
}

/// The provider's email under this site's rules; a provider that gives
/// none, or one these rules refuse, cannot make an account.
fn usable_email(identity: &ProviderIdentity) -> Result<Email, AppError> {
    identity
        .email
        .as_deref()
        .and_then(|email| Email::parse(email).ok())
        .ok_or(AppError::ProviderNoEmail)
}

/// The provider's name for the user under this site's rules, or, when it
/// gives none that passes, the email's local part, or a plain "User".
fn display_name(identity: &ProviderIdentity, email: &Email) -> UserName {
    let local_part = email.as_str().split('@').next().unwrap_or_default();
    identity
        .name
        .as_deref()
        .and_then(|name| UserName::parse(name).ok())
        .or_else(|| UserName::parse(local_part).ok())
        .unwrap_or_else(|| UserName::parse("User").expect("a valid name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(name: Option<&str>, email: Option<&str>) -> ProviderIdentity {
        ProviderIdentity {
            subject: "sub".into(),
            email: email.map(str::to_owned),
            email_verified: true,
            name: name.map(str::to_owned),
        }
    }

    #[test]
    fn a_name_the_site_refuses_falls_back_to_the_email() {
        let email = Email::parse("ada@example.com").unwrap();
        let name = |given| display_name(&identity(given, Some("ada@example.com")), &email);
        assert_eq!(name(Some("Ada Lovelace")).as_str(), "Ada Lovelace");
        assert_eq!(name(Some("\u{202e}evil")).as_str(), "ada");
        let too_long = "x".repeat(101);
        assert_eq!(name(Some(&too_long)).as_str(), "ada");
        assert_eq!(name(None).as_str(), "ada");
    }

    #[test]
    fn an_account_needs_an_email_the_site_accepts() {
        assert!(usable_email(&identity(None, Some("Ada@Example.com"))).is_ok());
        for bad in [None, Some("not an email"), Some("")] {
            assert_eq!(
                usable_email(&identity(None, bad)).unwrap_err(),
                AppError::ProviderNoEmail,
                "{bad:?}"
            );
        }
    }
}
