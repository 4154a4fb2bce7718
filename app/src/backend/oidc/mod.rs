//! Sign-in with identity providers: any OpenID Connect provider, by
//! configuration. openidconnect does the protocol (discovery, the code
//! exchange, the id token's signature, issuer, audience, nonce and expiry,
//! userinfo); this module holds the configured providers and keeps their
//! metadata fresh in the background, `discovery` reads it, `flow` runs the
//! authorization code flow (PKCE S256, state and nonce), `tokens` verifies
//! what the provider answers, and `accounts` decides whose account an
//! identity signs in to.
//!
//! A provider that cannot be reached at start-up does not stop the server:
//! it is discovered again in the background, with growing pauses, and at
//! the next sign-in with it; meanwhile that sign-in says it is unavailable
//! and every other way to sign in works.

mod accounts;
mod discovery;
mod flow;
mod tokens;

pub use accounts::{link, reauthenticate, sign_in};
pub use flow::{finish, start, Callback, Finished, FlowPurpose, FLOW_LIFETIME};

use super::{clock::Clock, sealed::SealedCookie, session::CookieKeys};
use crate::model::IdentityProviderLink;
use axum_extra::extract::cookie::SameSite;
use openidconnect::{core::CoreProviderMetadata, reqwest, RedirectUrl};
use secrecy::SecretString;
use std::{
    sync::{atomic::AtomicI64, Arc, RwLock},
    time::{Duration, Instant},
};
use tokio::task::JoinHandle;

/// Longest a request to a provider (discovery, token, userinfo) may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// Pauses between discoveries of a provider that does not answer: from the
/// first to the last, doubling.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(60);
/// How often a discovered provider's metadata (and signing keys, which
/// providers rotate) is read again.
const REFRESH: Duration = Duration::from_secs(60 * 60);

/// One provider's configuration (`OIDC_<ID>_*`).
#[derive(Clone, Debug)]
pub struct ProviderSettings {
    /// `<ID>` in lower case: the provider's name in paths (`/auth/<id>`) and
    /// in the database.
    pub id: String,
    /// What the button says after "Continue with".
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Asked for beside `openid`.
    pub scopes: Vec<String>,
}

/// A configured provider, and its metadata once discovered.
pub struct Provider {
    pub settings: ProviderSettings,
    redirect_uri: RedirectUrl,
    metadata: RwLock<Option<Arc<CoreProviderMetadata>>>,
    /// One discovery at a time; when the last one failed.
    discovering: tokio::sync::Mutex<Option<Instant>>,
    /// When the metadata was last read, in Unix seconds of `clock`.
    discovered_at: AtomicI64,
    clock: Clock,
}

/// Every configured provider, the HTTP client that speaks to them, and the
/// cookie that binds a sign-in to the browser that started it.
pub struct IdentityProviders {
    providers: Vec<Arc<Provider>>,
    /// The providers' origins, space-separated, for the pages' `form-action`.
    origins: String,
    http: reqwest::Client,
    flow_cookie: SealedCookie,
    discovery: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

/// A provider's settings that cannot work.
#[derive(Debug, thiserror::Error)]
#[error("identity provider {id}: {problem}")]
pub struct ProviderSetupError {
    id: String,
    problem: String,
}

impl IdentityProviders {
    /// The providers of `settings`, for the site at `public_origin`; none
    /// is asked anything yet (see [`IdentityProviders::discover_in_background`]).
    pub fn new(
        settings: Vec<ProviderSettings>,
        public_origin: &str,
        keys: CookieKeys,
        cookie_secure: bool,
        clock: &Clock,
    ) -> Result<Self, ProviderSetupError> {
        let providers: Vec<Arc<Provider>> =
            settings
                .into_iter()
                .map(|settings| {
                    let redirect_uri = RedirectUrl::new(format!("{public_origin}/auth/{}/callback", settings.id))
                        .map_err(|err| ProviderSetupError {
                            id: settings.id.clone(),
                            problem: format!("no redirect URI under {public_origin}: {err}"),
                        })?;
                    Ok(Arc::new(Provider {
                        settings,
                        redirect_uri,
                        metadata: RwLock::new(None),
                        discovering: tokio::sync::Mutex::new(None),
                        discovered_at: AtomicI64::new(i64::MIN),
                        clock: clock.clone(),
                    }))
                })
                .collect::<Result<_, ProviderSetupError>>()?;
        // A provider's answers are never followed elsewhere: a redirect from a
        // token endpoint is an error, not a new place to send the code.
        let http = reqwest::ClientBuilder::new()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .map_err(|err| ProviderSetupError {
                id: "*".into(),
                problem: format!("no HTTP client: {err}"),
            })?;
        let mut origins: Vec<String> = providers
            .iter()
            .filter_map(|provider| {
                Some(
                    url::Url::parse(&provider.settings.issuer)
                        .ok()?
                        .origin()
                        .ascii_serialization(),
                )
            })
            .collect();
        origins.sort();
        origins.dedup();
        Ok(Self {
            origins: origins.join(" "),
            providers,
            http,
            // Lax: the return from the provider is a top-level navigation from
            // another site, which must carry it.
            flow_cookie: SealedCookie::new(
                keys,
                "oidc",
                cookie_secure,
                SameSite::Lax,
                time::Duration::try_from(FLOW_LIFETIME).unwrap_or(time::Duration::MINUTE),
            ),
            discovery: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Starts discovering every provider, each in a task of its own that
    /// retries until it succeeds and then refreshes the metadata now and then.
    pub fn discover_in_background(&self) {
        let tasks = self.providers.iter().map(|provider| {
            let provider = provider.clone();
            let http = self.http.clone();
            tokio::spawn(async move {
                let mut retry = FIRST_RETRY;
                loop {
                    let pause = match provider.discover(&http).await {
                        Ok(_) => {
                            retry = FIRST_RETRY;
                            REFRESH
                        }
                        Err(_) => {
                            let pause = retry;
                            retry = (retry * 2).min(LAST_RETRY);
                            pause
                        }
                    };
                    tokio::time::sleep(pause).await;
                }
            })
        });
        self.discovery.lock().unwrap_or_else(|e| e.into_inner()).extend(tasks);
    }

    /// Stops the background discoveries.
    pub fn stop(&self) {
        for task in self.discovery.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            task.abort();
        }
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.providers
            .iter()
            .find(|provider| provider.settings.id == id)
            .map(|provider| &**provider)
    }

    /// The buttons of the sign-in pages, in configuration order.
    pub fn links(&self) -> Vec<IdentityProviderLink> {
        self.providers
            .iter()
            .map(|provider| IdentityProviderLink {
                id: provider.settings.id.clone(),
                label: provider.settings.label.clone(),
            })
            .collect()
    }

    /// The configured providers' ids: the identities that can sign in now.
    pub fn ids(&self) -> Vec<&str> {
        self.providers
            .iter()
            .map(|provider| provider.settings.id.as_str())
            .collect()
    }

    pub fn label_of(&self, id: &str) -> String {
        self.get(id)
            .map_or_else(|| id.to_owned(), |provider| provider.settings.label.clone())
    }

    /// Where the providers' sign-in pages are (their issuers' origins):
    /// the browser goes there from this site's pages.
    pub fn origins(&self) -> &str {
        &self.origins
    }

    pub fn flow_cookie(&self) -> &SealedCookie {
        &self.flow_cookie
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }
}
