//! The authorization code flow: the redirect to the provider, with PKCE
//! (S256), `state` and `nonce`; and the return, which must carry the
//! `state` of a flow this browser started (its id is in the browser's
//! sealed cookie, its secrets in the database, spent by the return), a code
//! the provider exchanges for an id token that verifies, and userinfo about
//! the same subject.

use super::{
    tokens::{client_of, verify},
    Provider,
};
use crate::backend::audit::{AuditEvent, Method, Reason};
use crate::domain::UserId;
use crate::{
    backend::{
        ceremony::{self, Ceremony},
        log_safe::Untrusted,
        AppState,
    },
    error::AppError,
};
use openidconnect::{
    core::{CoreAuthPrompt, CoreAuthenticationFlow},
    CsrfToken, Nonce, PkceCodeChallenge, Scope,
};
use serde::{Deserialize, Serialize};
use std::{net::IpAddr, time::Duration};

/// How long a sign-in at a provider may take, from the redirect there to
/// the return.
pub const FLOW_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// What a flow keeps between the redirect and the return.
#[derive(Serialize, Deserialize)]
struct ProviderSignIn {
    provider: String,
    state: String,
    nonce: String,
    pkce_verifier: String,
    return_to: String,
    /// A logged-in user proving who they are again (the ceremony's user).
    #[serde(default)]
    reauthenticate: bool,
}

/// What a flow is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowPurpose {
    SignIn,
    /// Linking an account at the provider to this logged-in user.
    Link(UserId),
    /// This logged-in user proving who they are again with a linked identity.
    Reauthenticate(UserId),
}

impl FlowPurpose {
    /// The logged-in user the flow is for, if any.
    pub fn user(self) -> Option<UserId> {
        match self {
            Self::SignIn => None,
            Self::Link(user_id) | Self::Reauthenticate(user_id) => Some(user_id),
        }
    }

    /// The page a flow that fails goes back to, to say why.
    pub fn page(self) -> &'static str {
        match self {
            Self::SignIn => "/login",
            Self::Link(_) => "/account",
            Self::Reauthenticate(_) => "/reauthenticate",
        }
    }

    /// What the audit log records when the flow fails for `reason`.
    pub(super) fn failed<'a>(self, method: Method<'a>, reason: Reason<'a>) -> AuditEvent<'a> {
        match self {
            Self::SignIn => AuditEvent::LoginFailed {
                method,
                user_id: None,
                email: None,
                reason: Some(reason),
                trusted_device: None,
            },
            Self::Link(user_id) => AuditEvent::IdentityLinkFailed {
                method,
                user_id: Some(user_id),
                reason,
            },
            Self::Reauthenticate(user_id) => AuditEvent::ReauthenticationFailed {
                method,
                user_id,
                reason: Some(reason),
            },
        }
    }
}

impl Ceremony for ProviderSignIn {
    const PURPOSE: &str = "identity-provider";
    const LIFETIME: Duration = FLOW_LIFETIME;
}

/// The query of the return from the provider: a code, or an error; and the
/// `state` (and, from providers that send it, their issuer: RFC 9207).
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub iss: Option<String>,
}

/// A flow returned to with its own `state`: for whom and where to.
pub struct Finished {
    pub purpose: FlowPurpose,
    /// A local path (`safe_redirect_target`).
    pub return_to: String,
    pub identity: ProviderIdentity,
}

/// Who the provider says signed in: its subject, verified in the id token;
/// email and name from userinfo where it gives them, else from the id token.
#[derive(Debug, Clone)]
pub struct ProviderIdentity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

/// Starts a flow at `provider`: the flow's id for the browser's cookie, and
/// where to send the browser. A re-authentication asks the provider to
/// have the user log in again (`prompt=login`).
#[tracing::instrument(skip_all, fields(provider = %provider.settings.id, %client))]
pub async fn start(
    state: &AppState,
    provider: &Provider,
    return_to: String,
    purpose: FlowPurpose,
    client: IpAddr,
) -> Result<(String, openidconnect::url::Url), AppError> {
    let providers = &state.identity_providers;
    let metadata = provider.metadata(providers.http()).await?;
    let oidc = client_of(provider, (*metadata).clone());
    let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = oidc
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(pkce_challenge);
    for scope in &provider.settings.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let reauthenticate = matches!(purpose, FlowPurpose::Reauthenticate(_));
    if reauthenticate {
        request = request.add_prompt(CoreAuthPrompt::Login);
    }
    let (url, csrf, nonce) = request.url();
    let flow = ProviderSignIn {
        provider: provider.settings.id.clone(),
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: pkce_verifier.secret().clone(),
        return_to,
        reauthenticate,
    };
    let id = ceremony::begin(state, &flow, purpose.user(), client).await?;
    Ok((id, url))
}

/// Finishes the flow `flow_id` (from the browser's cookie) that returned to
/// `/auth/<provider_id>/callback` with `callback`. A return that is not the
/// browser's own live flow is [`AppError::SignInExpired`]; a refusal at the
/// provider [`AppError::ProviderDenied`]; anything that does not verify
/// [`AppError::ProviderFailed`]. The error carries what the flow was for,
/// as far as it is known.
#[tracing::instrument(skip_all, fields(provider = provider_id, %client))]
pub async fn finish(
    state: &AppState,
    provider_id: &str,
    flow_id: Option<&str>,
    callback: &Callback,
    client: IpAddr,
) -> Result<Finished, (AppError, FlowPurpose)> {
    let providers = &state.identity_providers;
    let refuse = |reason: &str, err: AppError, purpose: FlowPurpose| {
        purpose.failed(Method::Provider(provider_id), &reason).record(client);
        (err, purpose)
    };
    let taken = match flow_id {
        Some(id) => ceremony::take::<ProviderSignIn>(state, id)
            .await
            .map_err(|err| (err, FlowPurpose::SignIn))?,
        None => None,
    };
    let Some((user_id, flow)) = taken else {
        return Err(refuse(
            "no live flow for this browser",
            AppError::SignInExpired,
            FlowPurpose::SignIn,
        ));
    };
    let purpose = match (user_id, flow.reauthenticate) {
        (None, _) => FlowPurpose::SignIn,
        (Some(user_id), false) => FlowPurpose::Link(user_id),
        (Some(user_id), true) => FlowPurpose::Reauthenticate(user_id),
    };
    // Spent either way: a flow is tried once.
    if flow.provider != provider_id || callback.state.as_deref() != Some(flow.state.as_str()) {
        return Err(refuse("state of another flow", AppError::SignInExpired, purpose));
    }
    let Some(provider) = providers.get(provider_id) else {
        return Err(refuse(
            "provider no longer configured",
            AppError::SignInExpired,
            purpose,
        ));
    };
    if let Some(error) = &callback.error {
        let reason = format!("refused at the provider: {}", Untrusted(error));
        purpose.failed(Method::Provider(provider_id), &reason).record(client);
        let err = match error.as_str() {
            "access_denied" | "login_required" | "consent_required" | "interaction_required" => {
                AppError::ProviderDenied
            }
            _ => AppError::ProviderFailed,
        };
        return Err((err, purpose));
    }
    let (identity, logged_in_before) = verify(providers, provider, flow.nonce, flow.pkce_verifier, callback)
        .await
        .map_err(|reason| refuse(&reason, AppError::ProviderFailed, purpose))?;
    // A provider that says when the user logged in (`auth_time`) must say it
    // was within this flow's lifetime before it issued the token, both by its
    // own clock; one that does not say is trusted to have honoured
    // `prompt=login`.
    let flow_seconds = FLOW_LIFETIME.as_secs() as i64;
    if flow.reauthenticate && logged_in_before.is_some_and(|seconds| seconds > flow_seconds) {
        return Err(refuse(
            "no new login at the provider",
            AppError::ProviderFailed,
            purpose,
        ));
    }
    Ok(Finished {
        purpose,
        return_to: flow.return_to,
        identity,
    })
}
