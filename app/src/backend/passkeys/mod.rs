//! Passkeys (WebAuthn): creating an account with one, signing in with one
//! (usernameless: the authenticator says whose passkey it is), and adding
//! and removing them on the account page. webauthn-rs checks every
//! signature, origin, challenge and counter; this module decides what is
//! stored and who is signed in.
//!
//! Each ceremony is two requests: the first stores the challenge's state
//! (see `backend::ceremony`) and sends the options; the second spends it and
//! checks the browser's answer against it. A ceremony lives 5 minutes.
//!
//! `ceremony` says what each kind keeps between its two requests,
//! `registration` makes passkeys (a new account's, or one more for a
//! logged-in user), and `sign_in` uses them.

mod ceremony;
mod registration;
mod sign_in;

pub(super) use is_credential_id as is_passkey_id;
pub use registration::{finish_adding, finish_sign_up, start_adding, start_sign_up};
pub use sign_in::{finish_reauthentication, finish_sign_in, start_reauthentication, start_sign_in};

use super::ceremony::internal;
use crate::error::AppError;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use std::time::Duration;
use webauthn_rs::prelude::{Passkey, Url, Webauthn, WebauthnBuilder};

/// How long a ceremony waits for the browser's answer; also the timeout the
/// browser is given.
pub const CEREMONY_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The site as passkeys know it: its relying party id (the host name) and
/// origin, fixed at startup; or none, when passkeys are switched off
/// (`PASSKEYS=false`).
pub struct RelyingParty {
    webauthn: Option<Webauthn>,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "{0} cannot host passkeys: browsers allow them only on https with a domain name, or on http://localhost; \
     set PUBLIC_ORIGIN to such an origin"
)]
pub struct UnfitOrigin(String);

impl RelyingParty {
    /// For the site at `origin` (`PUBLIC_ORIGIN`, or `http://localhost:<port>`).
    pub fn for_origin(origin: &str, site_name: &str) -> Result<Self, UnfitOrigin> {
        let unfit = || UnfitOrigin(origin.to_owned());
        let url = Url::parse(origin).map_err(|_| unfit())?;
        let host = url.domain().ok_or_else(unfit)?;
        let local = host == "localhost" || host.ends_with(".localhost");
        if !(url.scheme() == "https" || (url.scheme() == "http" && local)) {
            return Err(unfit());
        }
        let webauthn = WebauthnBuilder::new(host, &url)
            .map_err(|_| unfit())?
            .rp_name(site_name)
            .timeout(CEREMONY_LIFETIME)
            .build()
            .map_err(|_| unfit())?;
        Ok(Self {
            webauthn: Some(webauthn),
        })
    }

    /// Passkeys switched off: every ceremony is [`AppError::NotFound`], as
    /// if the endpoints were not there.
    pub fn off() -> Self {
        Self { webauthn: None }
    }

    pub fn is_on(&self) -> bool {
        self.webauthn.is_some()
    }

    /// What every ceremony, first step or second, starts with.
    fn webauthn(&self) -> Result<&Webauthn, AppError> {
        self.webauthn.as_ref().ok_or(AppError::NotFound)
    }
}

pub(super) fn credential_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `id` could be a credential id as [`credential_id`] writes it (at
/// most 1023 bytes, WebAuthn's bound): nothing else reaches the database.
pub(super) fn is_credential_id(id: &str) -> bool {
    (1..=1364).contains(&id.len())
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

fn stored_credential(passkey: &Passkey) -> Result<String, AppError> {
    serde_json::to_string(passkey).map_err(internal)
}

fn webauthn_internal(err: webauthn_rs::prelude::WebauthnError) -> AppError {
    tracing::error!(error = %err, "webauthn");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkeys_need_https_with_a_domain_or_localhost() {
        for fit in [
            "https://app.example.com",
            "https://app.example.com:8443",
            "http://localhost:3000",
            "http://app.localhost:3000",
        ] {
            assert!(RelyingParty::for_origin(fit, "Sessions").is_ok(), "{fit}");
        }
        for unfit in [
            "http://127.0.0.1:3000",
            "https://127.0.0.1",
            "https://[::1]:3000",
            "http://app.example.com",
            "not an origin",
        ] {
            let err = RelyingParty::for_origin(unfit, "Sessions").err().expect(unfit);
            assert!(err.to_string().contains(unfit), "{err}");
        }
    }

    #[test]
    fn only_base64url_reaches_the_database_as_a_credential_id() {
        assert!(is_credential_id(&credential_id(&[0xfb; 64])));
        assert!(is_credential_id("AbC-_9"));
        for bad in ["", "a b", "a+b", "a/b", "a=", "a\0b", &"a".repeat(1365)] {
            assert!(!is_credential_id(bad), "{bad:?}");
        }
    }
}
