//! The authorization code flow: the redirect to the provider, with PKCE
//! (S256), `state` and `nonce`; and the return, which must carry the
//! `state` of a flow this browser started (its id is in the browser's
//! sealed cookie, its secrets in the database, spent by the return), a code
//! the provider exchanges for an id token that verifies, and userinfo about
//! the same subject.

use super::{IdentityProviders, Provider};
use crate::backend::audit::{AuditEvent, Method, Reason};
use crate::{
    backend::{
        ceremony::{self, Ceremony},
        log_safe::{Causes, Untrusted},
        AppState,
    },
    error::AppError,
};
use openidconnect::{
    core::{CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenClaims, CoreUserInfoClaims},
    AccessToken, AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, Scope, SignatureVerificationError, TokenResponse,
};
use secrecy::ExposeSecret;
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
    Link(i64),
    /// This logged-in user proving who they are again with a linked identity.
    Reauthenticate(i64),
}

impl FlowPurpose {
    /// The logged-in user the flow is for, if any.
    pub fn user(self) -> Option<i64> {
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
                user_id: Some(user_id),
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

/// Exchanges the code and verifies what comes back: the identity and, if
/// the provider says when the user logged in there (`auth_time`), how many
/// seconds before it issued the id token; the reason it does not verify,
/// for the audit log.
async fn verify(
    providers: &IdentityProviders,
    provider: &Provider,
    nonce: String,
    pkce_verifier: String,
    callback: &Callback,
) -> Result<(ProviderIdentity, Option<i64>), String> {
    let http = providers.http();
    let metadata = provider
        .metadata(http)
        .await
        .map_err(|_| "provider not discovered".to_owned())?;
    // RFC 9207: a provider that names itself must be the one this flow went
    // to; a code from another (a mix-up attack) is never sent here.
    if let Some(iss) = &callback.iss {
        if iss != metadata.issuer().as_str() {
            return Err(format!("returned from issuer {:?}", Untrusted(iss).to_string()));
        }
    }
    let code = callback.code.clone().ok_or("no code")?;
    let oidc = client_of(provider, (*metadata).clone());
    let tokens = oidc
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|err| err.to_string())?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
        .request_async(http)
        .await
        .map_err(|err| format!("code exchange: {}", Causes(&err)))?;
    let id_token = tokens.id_token().ok_or("no id token")?;
    let nonce = Nonce::new(nonce);
    let (oidc, claims) = match verified_claims(&oidc, id_token, &nonce, tokens.access_token()) {
        Ok(claims) => (oidc, claims),
        // A key the app has not seen: the provider may have rotated its keys.
        Err(UnknownKey) => {
            let fresh = provider
                .refreshed_keys(http)
                .await
                .ok_or("id token signed with a key the provider does not list")?;
            let oidc = client_of(provider, (*fresh).clone());
            let claims =
                verified_claims(&oidc, id_token, &nonce, tokens.access_token()).map_err(|err| err.to_string())?;
            (oidc, claims)
        }
        Err(err) => return Err(err.to_string()),
    };
    let userinfo: Option<CoreUserInfoClaims> =
        match oidc.user_info(tokens.access_token().clone(), Some(claims.subject().clone())) {
            Ok(request) => Some(
                request
                    .request_async(http)
                    .await
                    .map_err(|err| format!("userinfo: {}", Causes(&err)))?,
            ),
            // A provider without a userinfo endpoint puts it all in the id token.
            Err(_) => None,
        };
    // The address and whether it is verified come from one source, userinfo
    // when it gives an address, else the id token: never the address of one
    // and the word of the other. A provider that says nothing of
    // verification (Microsoft Entra) has not verified it.
    let (email, email_verified) = match userinfo.as_ref().and_then(|info| info.email()) {
        Some(email) => (Some(email), userinfo.as_ref().and_then(|info| info.email_verified())),
        None => (claims.email(), claims.email_verified()),
    };
    let email = email.map(|email| email.as_str().to_owned());
    let email_verified = email_verified.unwrap_or(false);
    let name = userinfo
        .as_ref()
        .and_then(|info| info.name())
        .or_else(|| claims.name())
        .and_then(|name| name.get(None))
        .map(|name| name.as_str().to_owned());
    let identity = ProviderIdentity {
        subject: claims.subject().as_str().to_owned(),
        email,
        email_verified,
        name,
    };
    let logged_in_before = claims.auth_time().map(|at| (claims.issue_time() - at).num_seconds());
    Ok((identity, logged_in_before))
}

/// Why an id token does not verify: a key the provider's metadata does
/// not list (worth reading it again), or anything else.
#[derive(Debug, thiserror::Error)]
enum Rejected {
    #[error("id token signed with a key the provider does not list")]
    UnknownKey,
    #[error("{0}")]
    Other(String),
}

use Rejected::UnknownKey;

/// The id token's claims, once its signature, issuer, audience, expiry and
/// nonce verify, and its access token hash (when it has one) matches.
fn verified_claims(
    oidc: &ProviderClient,
    id_token: &CoreIdToken,
    nonce: &Nonce,
    access_token: &AccessToken,
) -> Result<CoreIdTokenClaims, Rejected> {
    let verifier = oidc.id_token_verifier();
    let claims = id_token.claims(&verifier, nonce).map_err(|err| match err {
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey) => UnknownKey,
        err => Rejected::Other(format!("id token: {}", Causes(&err))),
    })?;
    if let Some(expected) = claims.access_token_hash() {
        let other = |err: &dyn std::fmt::Display| Rejected::Other(err.to_string());
        let algorithm = id_token.signing_alg().map_err(|err| other(&err))?;
        let key = id_token.signing_key(&verifier).map_err(|err| other(&err))?;
        let actual = AccessTokenHash::from_token(access_token, algorithm, key).map_err(|err| other(&err))?;
        if actual != *expected {
            return Err(Rejected::Other("access token of another id token".into()));
        }
    }
    Ok(claims.clone())
}

/// A client of a discovered provider, as openidconnect types it: its
/// authorization endpoint known, its token and userinfo endpoints where the
/// metadata gives them.
type ProviderClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn client_of(provider: &Provider, metadata: openidconnect::core::CoreProviderMetadata) -> ProviderClient {
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.settings.client_id.clone()),
        Some(ClientSecret::new(
            provider.settings.client_secret.expose_secret().to_owned(),
        )),
    )
    .set_redirect_uri(provider.redirect_uri.clone())
}
