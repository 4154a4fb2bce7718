//! Server-only code: compiled with the `ssr` feature and never into the wasm.

pub mod account_sessions;
pub mod accounts;
pub mod activity;
pub mod assets;
pub mod audit;
pub mod breached;
pub mod browsers;
pub mod ceremony;
pub mod clock;
pub mod db;
pub mod device;
pub mod email_change;
pub mod http;
pub mod lifecycle;
pub mod limits;
pub mod log_safe;
pub mod mail;
pub mod notices;
pub mod oidc;
pub mod passkeys;
pub mod password;
pub mod recovery;
pub mod sealed;
pub mod session;
pub mod sign_in_methods;
pub mod two_factor;

use crate::error::AppError;
use axum::extract::FromRef;
use leptos::prelude::{use_context, LeptosOptions};
use std::sync::Arc;

/// Everything a request may need, built once at startup and shared. Cloned
/// for every request (into the render's context, the handlers' state, each
/// middleware), so a clone is one reference count: cloning the fields one by
/// one showed in the profile of `GET /api/users` (docs/performance.md,
/// "Figures behind code choices").
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }
}

impl AppState {
    /// What the pages offer, as this configuration has it.
    pub fn features(&self) -> crate::model::Features {
        crate::model::Features {
            passkeys: self.passkeys.is_on(),
            registration: self.registration_open,
            identity_providers: self.identity_providers.links(),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// The routes' renderer finds the options in the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// What [`AppState`] shares.
pub struct SharedState {
    pub leptos_options: LeptosOptions,
    pub db: db::Database,
    pub sessions: Arc<session::SessionConfig>,
    pub devices: Arc<device::DeviceCookies>,
    pub flashes: Arc<http::FormFlashes>,
    pub passwords: password::PasswordHasher,
    /// The breached-password service new passwords are checked with, if
    /// one is configured (`PWNED_PASSWORDS_URL`).
    pub breached_passwords: Option<breached::BreachedPasswords>,
    /// The key TOTP secrets are sealed with in the database.
    pub two_factor_secrets: two_factor::codes::SecretBox,
    /// The cookie a sign-in waits in for its second step.
    pub pending_sign_ins: Arc<two_factor::PendingSignIns>,
    /// The site as WebAuthn knows it (from `public_origin`).
    pub passkeys: passkeys::RelyingParty,
    /// The configured OpenID Connect providers.
    pub identity_providers: oidc::IdentityProviders,
    pub limits: Arc<limits::Limits>,
    /// The built files pages link.
    pub assets: assets::BuiltAssets,
    pub mailer: mail::Mailer,
    /// Where links in mail point: `PUBLIC_ORIGIN`, or this server's own
    /// `http://localhost:<port>`; never taken from a request's `Host`.
    pub public_origin: String,
    /// How long the account's activity is kept, in seconds (`ACTIVITY_RETENTION`).
    pub activity_retention: i64,
    /// Whether guarded pages and data need a verified email (`REQUIRE_VERIFIED_EMAIL`).
    pub require_verified_email: bool,
    /// Whether new accounts can be made (`REGISTRATION`).
    pub registration_open: bool,
    /// The live-reload websocket's port under `cargo leptos watch`.
    pub live_reload_port: Option<u16>,
    pub clock: clock::Clock,
}

/// 128 random bits in hex: session ids and device ids.
pub fn random_id() -> String {
    hex(&rand::random::<[u8; 16]>())
}

/// Whether `text` has the form [`random_id`] gives: 32 lower-case hex digits.
pub fn is_random_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// The SHA-256 of `text` in hex: how secrets handed to clients (mailed
/// tokens, ceremony ids) are kept, and how counters name an email.
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(text.as_bytes()))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The shared state, as provided to every server function and page render.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the request context");
        AppError::Internal
    })
}
