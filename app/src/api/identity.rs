//! Identity providers: which there are, and unlinking one.

use crate::{
    error::AppError,
    model::{Done, IdentityProviderLink},
};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use crate::backend::{
    http::{client_address, respond_to_form, FormPost},
    session,
    sign_in_methods::{self, Removable},
    state,
};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;

/// `GET /api/auth/providers`: the configured identity providers, for the
/// `Continue with` links.
#[server(prefix = "/api", endpoint = "auth/providers", input = GetUrl)]
pub async fn identity_providers() -> Result<Vec<IdentityProviderLink>, AppError> {
    Ok(state()?.identity_providers.links())
}

/// `POST /api/account/unlink-identity`: unlinks one of the user's accounts at
/// a provider, unless it is their only way to sign in (409). Needs a recent
/// proof.
#[server(prefix = "/api", endpoint = "account/unlink-identity")]
pub async fn unlink_identity(
    #[server(default)] provider: String,
    #[server(default)] subject: String,
) -> Result<Done, AppError> {
    let result = async {
        let state = state()?;
        let current = session::require_fresh_session(&state)?;
        let way = Removable::Identity {
            provider: &provider,
            subject: &subject,
        };
        sign_in_methods::remove(&state, current.user.id, way, client_address()).await?;
        Ok(Done {})
    }
    .await;
    let post = FormPost {
        form: UnlinkIdentity::PATH,
        page: "/account",
        success: "/account?done=identity-unlinked",
        refill: &[],
    };
    respond_to_form(result, post)
}
