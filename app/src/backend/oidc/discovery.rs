//! Reading a provider's metadata and signing keys (OpenID Connect
//! discovery): once at start-up or at the first sign-in, again when a token
//! names a key not seen yet.

use super::Provider;
use crate::backend::clock::UnixTime;
use crate::{backend::log_safe::Causes, error::AppError};
use openidconnect::{core::CoreProviderMetadata, reqwest, IssuerUrl};
use std::{
    sync::{atomic::Ordering, Arc},
    time::{Duration, Instant},
};

/// A sign-in does not ask a provider that just failed discovery again sooner
/// than this: a burst of clicks is not a burst of requests to it.
const ON_DEMAND_PAUSE: Duration = Duration::from_secs(2);
/// An id token signed with a key the app has not seen makes it read the
/// provider's keys again (the provider may have rotated them), but not
/// sooner than this after the last reading: forged tokens cannot make the
/// app hammer the provider.
const KEY_REFRESH_PAUSE: i64 = 5 * 60;

impl Provider {
    /// The provider's metadata: as last discovered, or discovered now if it
    /// never was (unless that just failed); [`AppError::ProviderFailed`]
    /// while it cannot be reached.
    pub(super) async fn metadata(&self, http: &reqwest::Client) -> Result<Arc<CoreProviderMetadata>, AppError> {
        if let Some(metadata) = self.metadata.read().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(metadata);
        }
        let last_failure = *self.discovering.lock().await;
        if last_failure.is_some_and(|failed| failed.elapsed() < ON_DEMAND_PAUSE) {
            return Err(AppError::ProviderFailed);
        }
        self.discover(http).await
    }

    /// The provider's metadata read anew, for an id token signed with a key
    /// it did not list; `None` if it was read too recently to ask again.
    pub(super) async fn refreshed_keys(&self, http: &reqwest::Client) -> Option<Arc<CoreProviderMetadata>> {
        let read_at = self.discovered_at.load(Ordering::Relaxed);
        if self.clock.unix_now().since(UnixTime::from_seconds(read_at)) < KEY_REFRESH_PAUSE {
            return None;
        }
        self.discover(http).await.ok()
    }

    /// Reads the provider's metadata and signing keys anew: kept on success;
    /// on failure the earlier ones (if any) stay and the error is logged,
    /// naming the provider.
    pub(super) async fn discover(&self, http: &reqwest::Client) -> Result<Arc<CoreProviderMetadata>, AppError> {
        let mut last_failure = self.discovering.lock().await;
        let settings = &self.settings;
        let discovered = match IssuerUrl::new(settings.issuer.clone()) {
            Ok(issuer) => CoreProviderMetadata::discover_async(issuer, http)
                .await
                .map_err(|err| Causes(&err).to_string()),
            Err(err) => Err(err.to_string()),
        };
        match discovered {
            Ok(metadata) => {
                let metadata = Arc::new(metadata);
                let first = self
                    .metadata
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .replace(metadata.clone())
                    .is_none();
                if first {
                    tracing::info!(provider = %settings.id, issuer = %settings.issuer, "identity provider discovered");
                }
                *last_failure = None;
                self.discovered_at
                    .store(self.clock.unix_now().seconds(), Ordering::Relaxed);
                Ok(metadata)
            }
            Err(error) => {
                tracing::error!(
                    provider = %settings.id,
                    issuer = %settings.issuer,
                    %error,
                    "identity provider discovery failed: sign-in with it is unavailable until it answers; trying again"
                );
                *last_failure = Some(Instant::now());
                Err(AppError::ProviderFailed)
            }
        }
    }
}
