//! Whose account an identity signs in to. An identity linked before signs
//! in to its user. A new one makes a new account from the provider's name
//! and email, unless an account has that email already: it joins that
//! account only when the provider vouches for the email (`email_verified`)
//! and the account's owner has proved it too (verified it by mail);
//! otherwise its owner must log in and link the provider from the account
//! page, so that no provider account can take over an account by claiming
//! its address.

use super::flow::{action, method, ProviderIdentity};
use crate::{
    backend::{
        accounts::SignedIn,
        db::{NewIdentity, Removal},
        log_safe::Untrusted,
        notices::{notify, Notice},
        recovery, AppState,
    },
    domain::{Email, UserName},
    error::AppError,
    model::UserSummary,
};
use std::net::IpAddr;
use time::format_description::well_known::Rfc3339;

/// Signs in with the identity `identity` asserted at `provider_id`.
pub async fn sign_in(
    state: &AppState,
    provider_id: &str,
    identity: &ProviderIdentity,
    client: IpAddr,
) -> Result<SignedIn, AppError> {
    let signed_in = account_of(state, provider_id, identity, client).await?;
    tracing::info!(target: "audit", action = "login", outcome = "success", method = %method(provider_id), user_id = signed_in.user.id, %client);
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
    let method = method(provider_id);
    if let Some((user, email)) = state
        .db
        .sign_in_with_identity(provider_id, &identity.subject, now)
        .await?
    {
        return Ok(SignedIn { user, email });
    }
    let email = usable_email(identity)?;
    let new = NewIdentity {
        provider: provider_id,
        subject: &identity.subject,
        email: email.as_str(),
        created_at: now,
    };
    if let Some(account) = state.db.account_by_email(email.as_str()).await? {
        if !(identity.email_verified && account.email_verified) {
            tracing::info!(target: "audit", action = "login", outcome = "failure", %method, reason = "email of an account it may not join", email_verified = identity.email_verified, user_id = account.user.id, %client);
            return Err(AppError::IdentityNeedsLink);
        }
        state.db.link_identity(account.user.id, &new).await?;
        tracing::info!(target: "audit", action = "identity_link", outcome = "success", %method, user_id = account.user.id, automatic = true, %client);
        notify(state, account.user.id, Notice::IdentityLinked, client).await;
        return Ok(SignedIn {
            user: account.user,
            email: email.as_str().to_owned(),
        });
    }
    let name = display_name(identity, &email);
    let created_at = state.clock.now().format(&Rfc3339).map_err(|_| AppError::Internal)?;
    let verified_at = identity.email_verified.then_some(created_at.as_str());
    let user_id = state
        .db
        .insert_identity_user(name.as_str(), email.as_str(), &created_at, verified_at, &new)
        .await
        .inspect_err(|err| tracing::info!(target: "audit", action = "register", outcome = "failure", %method, reason = %err, email = %Untrusted(email.as_str()), %client))?;
    tracing::info!(target: "audit", action = "register", outcome = "success", %method, user_id, email = %Untrusted(email.as_str()), %client);
    if !identity.email_verified {
        if let Err(err) = recovery::send_verification_link(state, user_id).await {
            tracing::warn!(user_id, error = %err, "verification mail not queued");
        }
    }
    Ok(SignedIn {
        user: UserSummary {
            id: user_id,
            name: name.as_str().to_owned(),
        },
        email: email.as_str().to_owned(),
    })
}

/// Links the identity to the logged-in user `user_id`.
pub async fn link(
    state: &AppState,
    user_id: i64,
    provider_id: &str,
    identity: &ProviderIdentity,
    client: IpAddr,
) -> Result<(), AppError> {
    let method = method(provider_id);
    let email = identity.email.as_deref().unwrap_or_default();
    let new = NewIdentity {
        provider: provider_id,
        subject: &identity.subject,
        email: &email.chars().take(Email::MAX_CHARS).collect::<String>(),
        created_at: state.clock.unix_now(),
    };
    match state.db.link_identity(user_id, &new).await {
        Ok(()) => {
            tracing::info!(target: "audit", action = action(Some(user_id)), outcome = "success", %method, user_id, %client);
            notify(state, user_id, Notice::IdentityLinked, client).await;
            Ok(())
        }
        Err(err) => {
            tracing::info!(target: "audit", action = action(Some(user_id)), outcome = "failure", %method, reason = %err, user_id, %client);
            Err(err)
        }
    }
}

/// Unlinks one of the user's identities, never their last way to sign in.
pub async fn unlink(
    state: &AppState,
    user_id: i64,
    provider_id: &str,
    subject: &str,
    client: IpAddr,
) -> Result<(), AppError> {
    match state.db.unlink_identity(user_id, provider_id, subject).await? {
        Removal::Removed => {
            tracing::info!(target: "audit", action = "identity_unlink", outcome = "success", method = %method(provider_id), user_id, %client);
            Ok(())
        }
        Removal::NotFound => Err(AppError::NotFound),
        Removal::LastSignInMethod => Err(AppError::LastSignInMethod),
    }
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
