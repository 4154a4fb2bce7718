//! An account's ways to sign in: its password, its passkeys and its
//! identities at providers. Which it has, and removing one: never the last
//! that works now (an identity whose provider has left the configuration
//! signs nobody in, so it does not count; nor do passkeys while they are
//! switched off). Every caller goes through here.

use super::{
    audit::{AuditEvent, Method},
    clock::rfc3339_of,
    db::{Removal, Usable},
    passkeys::is_passkey_id,
    session::Session,
    two_factor, AppState,
};
use crate::domain::UserId;
use crate::{
    error::AppError,
    model::{IdentitySummary, PasskeySummary, SignInMethods},
};
use std::net::IpAddr;

/// One way to sign in that can be removed; a password cannot.
#[derive(Debug, Clone, Copy)]
pub enum Removable<'a> {
    /// A passkey, by its credential id.
    Passkey(&'a str),
    /// An identity at a provider.
    Identity { provider: &'a str, subject: &'a str },
}

/// The password (or not), two-step verification, passkeys and identities
/// of the session's user, for the account page. A two-step set-up waiting
/// for its code is shown again while the proof that started it is fresh,
/// so that a page reloaded, or rendered after a form posted without
/// JavaScript, can finish it.
pub async fn of(state: &AppState, session: &Session) -> Result<SignInMethods, AppError> {
    let user_id = session.user.id;
    // Switched off, passkeys are no way in, and not shown.
    let passkeys = match state.passkeys.is_on() {
        true => state.db.passkeys_of(user_id).await?,
        false => Vec::new(),
    };
    let identities = state.db.identities_of(user_id).await?;
    let two_factor = state.db.two_factor_of(user_id).await?;
    let fresh = state.sessions.is_fresh(session, state.clock.now());
    let two_factor_setup = match two_factor.as_ref().filter(|record| !record.enabled && fresh) {
        Some(waiting) => two_factor::waiting_setup(state, user_id, waiting).await?,
        None => None,
    };
    Ok(SignInMethods {
        email: state.db.email_of(user_id).await?.ok_or(AppError::Unauthorized)?,
        has_password: state.db.password_hash(user_id).await?.is_some(),
        two_factor: two_factor.is_some_and(|record| record.enabled),
        two_factor_setup,
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

/// Removes `way` from the user's ways to sign in, unless it is the last one
/// that works: then [`AppError::LastSignInMethod`], and nothing changes.
#[tracing::instrument(skip_all, fields(user_id, %client))]
pub async fn remove(state: &AppState, user_id: UserId, way: Removable<'_>, client: IpAddr) -> Result<(), AppError> {
    let providers = state.identity_providers.ids();
    let usable = Usable {
        passkeys: state.passkeys.is_on(),
        providers: &providers,
    };
    let removal = match way {
        Removable::Passkey(id) if !is_passkey_id(id) => Removal::NotFound,
        Removable::Passkey(id) => state.db.remove_passkey(user_id, id, usable).await?,
        Removable::Identity { provider, subject } => {
            state.db.unlink_identity(user_id, provider, subject, usable).await?
        }
    };
    match removal {
        Removal::Removed => {
            match way {
                Removable::Passkey(_) => AuditEvent::PasskeyRemoved { user_id },
                Removable::Identity { provider, .. } => AuditEvent::IdentityUnlinked {
                    method: Method::Provider(provider),
                    user_id,
                },
            }
            .record(client);
            Ok(())
        }
        Removal::NotFound => Err(AppError::NotFound),
        Removal::LastSignInMethod => Err(AppError::LastSignInMethod),
    }
}
