//! Starting the server: configuration in, a listening axum server out.

use crate::{config::Config, connections, router::router};
use app::backend::{
    assets::BuiltAssets,
    breached::BreachedPasswords,
    clock::Clock,
    db::{ConnectError, Database, DatabaseSettings},
    device::DeviceCookies,
    http::FormFlashes,
    limits::Limits,
    mail::{MailSetupError, Mailer},
    oidc::{IdentityProviders, ProviderSetupError},
    passkeys::{RelyingParty, UnfitOrigin},
    password::PasswordHasher,
    session::{CookieKeys, Lifetimes, SessionConfig},
    two_factor::{codes::SecretBox, PendingSignIns},
    AppState, SharedState,
};
use axum::Router;
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] ConnectError),
    #[error(transparent)]
    Mail(#[from] MailSetupError),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error(transparent)]
    Passkeys(#[from] UnfitOrigin),
    #[error(transparent)]
    IdentityProvider(#[from] ProviderSetupError),
    #[error("no HTTP client for PWNED_PASSWORDS_URL: {0}")]
    BreachedPasswords(String),
    #[error("REQUIRE_VERIFIED_EMAIL=true needs SMTP_URL: without mail no one could verify an address")]
    VerificationWithoutMail,
}

/// A server accepting connections, until [`RunningServer::stop`].
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    /// The server's shared state, for tests to look into.
    pub state: AppState,
}

impl RunningServer {
    /// Stops accepting, lets requests in flight finish, and closes the database.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        let served = self.task.await.unwrap_or_else(|err| Err(std::io::Error::other(err)));
        self.state.identity_providers.stop();
        self.state.mailer.stop().await;
        self.state.db.close().await;
        served
    }
}

/// Opens the database (running migrations), binds the listen address and serves.
pub async fn start(config: Config) -> Result<RunningServer, StartError> {
    start_with(config, Clock::default(), Router::new()).await
}

/// [`start`], on `clock` (tests pass a manual one), with `extra` routes
/// served beside the app's own, under the same layers (tests use it to add a
/// handler that misbehaves).
pub async fn start_with(config: Config, clock: Clock, extra: Router<AppState>) -> Result<RunningServer, StartError> {
    let db = connect_database(&config.database.connection, config.database.startup_timeout).await?;
    let site_addr = config.http.site_addr;
    let listener = TcpListener::bind(site_addr)
        .await
        .map_err(|err| StartError::Bind(site_addr, err))?;
    let addr = listener.local_addr().map_err(|err| StartError::Bind(site_addr, err))?;
    let state = shared_state(&config, clock, db, addr.port())?;
    state.identity_providers.discover_in_background();
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(state.clone(), &config, extra);
    let task = tokio::spawn(connections::serve(listener, app, config.http.connections, stopped));
    Ok(RunningServer {
        addr,
        stop,
        task,
        state,
    })
}

/// The state an operator's command works on (`server admin`): the same
/// configuration and database as the servers, and mail queued for them
/// to send, without listening.
pub async fn open_for_operators(config: &Config) -> Result<AppState, StartError> {
    let db = connect_database(&config.database.connection, config.database.startup_timeout).await?;
    shared_state(config, Clock::default(), db, config.http.site_addr.port())
}

/// What every request shares, on `db`, for a server on `port`.
fn shared_state(config: &Config, clock: Clock, db: Database, port: u16) -> Result<AppState, StartError> {
    let mailer = Mailer::start(config.mail.clone(), db.clone())?;
    // A debug build's mailbox page counts: there the links can be followed.
    if config.accounts.require_verified_email && !mailer.delivers() {
        return Err(StartError::VerificationWithoutMail);
    }
    let public_origin = config
        .http
        .public_origin
        .clone()
        .unwrap_or_else(|| format!("http://localhost:{port}"));
    let passkeys = match config.accounts.passkeys {
        true => RelyingParty::for_origin(&public_origin, app::SITE_NAME)?,
        false => RelyingParty::off(),
    };
    let keys = CookieKeys::derive(&config.sessions.password, &config.sessions.previous_passwords);
    let identity_providers = IdentityProviders::new(
        config.identity_providers.clone(),
        &public_origin,
        keys.clone(),
        config.sessions.cookie_secure,
        &clock,
    )?;
    let breached_passwords = config
        .accounts
        .pwned_passwords_url
        .as_deref()
        .map(BreachedPasswords::new)
        .transpose()
        .map_err(|err| StartError::BreachedPasswords(err.to_string()))?;
    let leptos_options = config.leptos_options();
    Ok(AppState::new(SharedState {
        assets: BuiltAssets::read(&leptos_options, config.http.asset_hashes.as_deref()),
        leptos_options,
        db: db.clone(),
        sessions: Arc::new(SessionConfig::new(
            keys.clone(),
            Lifetimes {
                max_age: duration(config.sessions.max_age),
                absolute_max_age: duration(config.sessions.absolute_max_age),
                reauthentication_max_age: duration(config.sessions.reauthentication_max_age),
            },
            config.sessions.cookie_secure,
        )),
        devices: Arc::new(DeviceCookies::new(keys.clone(), config.sessions.cookie_secure)),
        flashes: Arc::new(FormFlashes::new(keys.clone(), config.sessions.cookie_secure)),
        passwords: PasswordHasher::new(config.accounts.bcrypt_cost, &config.accounts.password_pepper),
        breached_passwords,
        two_factor_secrets: SecretBox::new(&config.accounts.password_pepper),
        pending_sign_ins: Arc::new(PendingSignIns::new(keys, config.sessions.cookie_secure)),
        live_reload_port: config.http.live_reload_port,
        limits: Arc::new(Limits::new(config.limits, clock.clone())),
        mailer,
        public_origin,
        passkeys,
        identity_providers,
        require_verified_email: config.accounts.require_verified_email,
        registration_open: config.accounts.registration_open,
        activity_retention: i64::try_from(config.accounts.activity_retention.as_secs()).unwrap_or(i64::MAX),
        clock,
    }))
}

/// Opens the database. One that cannot be reached yet (it may be starting
/// beside this server) is tried again with growing pauses, each try logged,
/// until `give_up_after` has passed: then the error is returned and the server
/// does not start. Any other error (a bad URL, a failed migration) is returned at once.
async fn connect_database(settings: &DatabaseSettings, give_up_after: Duration) -> Result<Database, ConnectError> {
    const LONGEST_PAUSE: Duration = Duration::from_secs(5);
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(250);
    let mut attempt = 0_u32;
    loop {
        attempt += 1;
        match Database::connect(settings).await {
            Err(err) if err.is_unreachable() && started.elapsed() + pause < give_up_after => {
                tracing::warn!(
                    attempt,
                    retry_in_ms = pause.as_millis() as u64,
                    error = %err,
                    "the database cannot be reached yet; trying again"
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
            result => return result,
        }
    }
}

fn duration(std: Duration) -> time::Duration {
    time::Duration::try_from(std).unwrap_or(time::Duration::MAX)
}
