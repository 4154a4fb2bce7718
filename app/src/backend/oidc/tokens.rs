//! What the provider answers at the end of a flow: the code exchanged for
//! tokens, the id token verified (signature, issuer, audience, expiry,
//! nonce, access token hash), and userinfo about the same subject.

use super::{
    flow::{Callback, ProviderIdentity},
    IdentityProviders, Provider,
};
use crate::backend::log_safe::{Causes, Untrusted};
use openidconnect::{
    core::{CoreClient, CoreIdToken, CoreIdTokenClaims, CoreUserInfoClaims},
    AccessToken, AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, Nonce,
    OAuth2TokenResponse, PkceCodeVerifier, SignatureVerificationError, TokenResponse,
};
use secrecy::ExposeSecret;

/// Exchanges the code and verifies what comes back: the identity and, if
/// the provider says when the user logged in there (`auth_time`), how many
/// seconds before it issued the id token; the reason it does not verify,
/// for the audit log.
pub(super) async fn verify(
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

pub(super) fn client_of(provider: &Provider, metadata: openidconnect::core::CoreProviderMetadata) -> ProviderClient {
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.settings.client_id.clone()),
        Some(ClientSecret::new(
            provider.settings.client_secret.expose_secret().to_owned(),
        )),
    )
    .set_redirect_uri(provider.redirect_uri.clone())
}
