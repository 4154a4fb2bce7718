//! Configuration, read once at startup from the environment (and `.env`).

use crate::connections::ConnectionLimits;
use app::backend::{db::DatabaseSettings, limits::LimitSettings, mail::MailSettings, oidc::ProviderSettings};
use leptos::config::LeptosOptions;
use secrecy::{ExposeSecret, SecretString};
use std::{collections::HashMap, net::SocketAddr, time::Duration};

/// Shortest accepted `SESSION_PASSWORD` or `PASSWORD_PEPPER`: keys are
/// derived from them.
pub const MIN_SESSION_PASSWORD_CHARS: usize = 32;

/// Its `Debug` output (logged at startup) shows no secret: the passwords are
/// `SecretString`s, which print as `[REDACTED]`.
#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpSettings,
    pub database: DatabaseConfig,
    pub sessions: SessionSettings,
    pub accounts: AccountSettings,
    /// Brute-force limits on logins and registrations.
    pub limits: LimitSettings,
    /// Where mail goes (`SMTP_URL`, `MAIL_FROM`).
    pub mail: MailSettings,
    /// OpenID Connect providers (`OIDC_<ID>_ISSUER`, `_CLIENT_ID`,
    /// `_CLIENT_SECRET`, `_LABEL`, `_SCOPES`), by id.
    pub identity_providers: Vec<ProviderSettings>,
}

/// Where and how the site is served.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Listen address; port 0 picks a free port.
    pub site_addr: SocketAddr,
    /// Where the built site (`pkg/`, static files) is served from.
    pub site_root: String,
    /// The content hashes in the names of the built js, wasm and css, as
    /// cargo-leptos listed them (`hash.txt`); `None`: the names are plain.
    pub asset_hashes: Option<String>,
    /// The site's origin as browsers see it (`https://app.example.com`): when
    /// set, state-changing requests must come from it.
    pub public_origin: Option<String>,
    /// Take the client address from the last `X-Forwarded-For` entry (only
    /// behind a proxy that appends it).
    pub trust_forwarded_for: bool,
    /// Timeouts and caps on client connections.
    pub connections: ConnectionLimits,
    /// Longest a stopping server (SIGTERM, Ctrl-C) waits for the requests in
    /// flight before it exits anyway.
    pub shutdown_timeout: Duration,
    /// Under `cargo leptos watch` (which sets `LEPTOS_WATCH`): the port of its
    /// live-reload websocket (`LEPTOS_RELOAD_PORT`, 3001).
    pub live_reload_port: Option<u16>,
}

/// The database, and how long a starting server waits for it.
#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    /// `url` is a `sqlite:` URL (the default is a file in `data/`) or a
    /// `postgres:` URL.
    pub connection: DatabaseSettings,
    /// How long a starting server keeps trying to reach the database before it
    /// gives up (and exits non-zero).
    pub startup_timeout: Duration,
}

/// The session cookie: its keys and lifetimes.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// Key material for sealing session cookies.
    pub password: SecretString,
    /// Earlier passwords, still accepted for opening cookies (which are then
    /// re-sealed with the current one).
    pub previous_passwords: Vec<SecretString>,
    /// Idle lifetime of a session.
    pub max_age: Duration,
    /// Longest a session lasts from login, however active.
    pub absolute_max_age: Duration,
    /// How recent a proof of identity must be for a change to how an account
    /// signs in or whose it is (`REAUTHENTICATION_MAX_AGE`, 600 s).
    pub reauthentication_max_age: Duration,
    /// Mark the cookies `Secure` (and name the session's `__Host-session`).
    pub cookie_secure: bool,
}

/// Rules for accounts.
#[derive(Clone, Debug)]
pub struct AccountSettings {
    pub bcrypt_cost: u32,
    /// The secret every password is keyed with before bcrypt
    /// (`PASSWORD_PEPPER`; `backend/password.rs`). Kept apart from the
    /// database and its backups, and never rotated in place: every password
    /// hashed under it would stop working.
    pub password_pepper: SecretString,
    /// A breached-password service by range (`PWNED_PASSWORDS_URL`, such as
    /// `https://api.pwnedpasswords.com`): new passwords it lists are refused.
    pub pwned_passwords_url: Option<String>,
    /// Keep users whose email is not verified out of guarded pages and data
    /// (`REQUIRE_VERIFIED_EMAIL`, default false).
    pub require_verified_email: bool,
    /// Whether new accounts can be made here (`REGISTRATION`, `open` or
    /// `closed`; default open): by the register form, a passkey or a first
    /// sign-in at an identity provider.
    pub registration_open: bool,
    /// Whether passkeys are offered (`PASSKEYS`, default true): signing up,
    /// in and confirming with one, and adding one.
    pub passkeys: bool,
    /// How long an account's activity is kept (`ACTIVITY_RETENTION`, in
    /// seconds; 90 days).
    pub activity_retention: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "SESSION_PASSWORD is not set: run ./scripts/serve.sh once (it keeps one in .env), or set it in the \
         environment or .env to a random string of at least {MIN_SESSION_PASSWORD_CHARS} characters, e.g. \
         the output of `openssl rand -base64 48`"
    )]
    MissingSessionPassword,
    #[error(
        "PASSWORD_PEPPER is not set: run ./scripts/serve.sh once (it keeps one in .env), or set it in the \
         environment or .env to a random string of at least {MIN_SESSION_PASSWORD_CHARS} characters, e.g. \
         the output of `openssl rand -base64 48`, kept apart from database backups and never changed"
    )]
    MissingPasswordPepper,
    #[error("SMTP_URL is set but MAIL_FROM is not: set it to the sender, e.g. `Sessions <no-reply@example.com>`")]
    MissingMailFrom,
    #[error("{0} is too short: each secret needs at least {MIN_SESSION_PASSWORD_CHARS} characters")]
    ShortSessionPassword(&'static str),
    #[error("{name} {problem}")]
    IdentityProvider { name: String, problem: &'static str },
    #[error("{name} has an invalid value {value:?}: {expected}")]
    Invalid {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl Config {
    /// Reads `.env` (if present) and the environment. Without a
    /// `SESSION_PASSWORD` the server refuses to start: `scripts/serve.sh` makes
    /// one for a machine, once, and keeps it in `.env`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        let vars: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .collect();
        Self::from_vars(&vars)
    }

    /// Builds the configuration from variables (the environment's, or a
    /// map in tests).
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let var = |name: &str| vars.get(name).cloned();
        let site_addr = parse_or(
            &var,
            "LEPTOS_SITE_ADDR",
            "127.0.0.1:3000".parse().expect("valid"),
            "host:port",
        )?;
        let session_password = var("SESSION_PASSWORD").ok_or(ConfigError::MissingSessionPassword)?;
        if session_password.chars().count() < MIN_SESSION_PASSWORD_CHARS {
            return Err(ConfigError::ShortSessionPassword("SESSION_PASSWORD"));
        }
        // Comma-separated, newest first.
        let previous_session_passwords: Vec<SecretString> = var("SESSION_PASSWORD_PREVIOUS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(SecretString::from)
            .collect();
        if previous_session_passwords
            .iter()
            .any(|p| p.expose_secret().chars().count() < MIN_SESSION_PASSWORD_CHARS)
        {
            return Err(ConfigError::ShortSessionPassword("SESSION_PASSWORD_PREVIOUS"));
        }
        let password_pepper = var("PASSWORD_PEPPER").ok_or(ConfigError::MissingPasswordPepper)?;
        if password_pepper.chars().count() < MIN_SESSION_PASSWORD_CHARS {
            return Err(ConfigError::ShortSessionPassword("PASSWORD_PEPPER"));
        }
        let seconds = "a number of seconds, at least 1";
        let max_age_secs: u64 = parse_or(&var, "SESSION_MAX_AGE", 604_800, seconds)?;
        let absolute_max_age_secs: u64 = parse_or(&var, "SESSION_ABSOLUTE_MAX_AGE", 2_592_000, seconds)?;
        let reauthentication_max_age_secs: u64 = parse_or(&var, "REAUTHENTICATION_MAX_AGE", 600, seconds)?;
        for (name, value) in [
            ("SESSION_MAX_AGE", max_age_secs),
            ("SESSION_ABSOLUTE_MAX_AGE", absolute_max_age_secs),
            ("REAUTHENTICATION_MAX_AGE", reauthentication_max_age_secs),
        ] {
            if value == 0 {
                return Err(invalid(name, "0", seconds));
            }
        }
        let bcrypt_cost: u32 = parse_or(&var, "BCRYPT_COST", bcrypt_default_cost(), "a bcrypt cost from 4 to 31")?;
        if !(4..=31).contains(&bcrypt_cost) {
            return Err(invalid(
                "BCRYPT_COST",
                &bcrypt_cost.to_string(),
                "a bcrypt cost from 4 to 31",
            ));
        }
        Ok(Self {
            http: HttpSettings {
                site_addr,
                site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
                asset_hashes: asset_hashes_of_this_build(),
                public_origin: var("PUBLIC_ORIGIN").map(|value| public_origin(&value)).transpose()?,
                trust_forwarded_for: parse_or(&var, "TRUST_FORWARDED_FOR", false, "true or false")?,
                connections: connection_limits(&var)?,
                shutdown_timeout: seconds_or(&var, "SHUTDOWN_TIMEOUT", Duration::from_secs(10))?,
                live_reload_port: var("LEPTOS_WATCH")
                    .map(|_| parse_or(&var, "LEPTOS_RELOAD_PORT", 3001, "a port number"))
                    .transpose()?,
            },
            database: DatabaseConfig {
                connection: DatabaseSettings {
                    url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/app.db".to_owned()),
                    busy_timeout: seconds_or(&var, "DATABASE_BUSY_TIMEOUT", Duration::from_secs(5))?,
                    max_connections: parse_or(&var, "DATABASE_MAX_CONNECTIONS", 10, "a number of connections from 1")
                        .and_then(|max: u32| match max {
                        0 => Err(invalid(
                            "DATABASE_MAX_CONNECTIONS",
                            "0",
                            "a number of connections from 1",
                        )),
                        max => Ok(max),
                    })?,
                    acquire_timeout: seconds_or(&var, "DATABASE_ACQUIRE_TIMEOUT", Duration::from_secs(5))?,
                },
                startup_timeout: seconds_or(&var, "DATABASE_STARTUP_TIMEOUT", Duration::from_secs(30))?,
            },
            sessions: SessionSettings {
                password: session_password.into(),
                previous_passwords: previous_session_passwords,
                max_age: Duration::from_secs(max_age_secs),
                absolute_max_age: Duration::from_secs(absolute_max_age_secs),
                reauthentication_max_age: Duration::from_secs(reauthentication_max_age_secs),
                cookie_secure: parse_or(&var, "COOKIE_SECURE", false, "true or false")?,
            },
            accounts: AccountSettings {
                bcrypt_cost,
                password_pepper: password_pepper.into(),
                pwned_passwords_url: var("PWNED_PASSWORDS_URL")
                    .map(|value| service_url("PWNED_PASSWORDS_URL", &value))
                    .transpose()?,
                require_verified_email: parse_or(&var, "REQUIRE_VERIFIED_EMAIL", false, "true or false")?,
                registration_open: match var("REGISTRATION").as_deref().map(str::trim) {
                    None | Some("open") => true,
                    Some("closed") => false,
                    Some(other) => return Err(invalid("REGISTRATION", other, "open or closed")),
                },
                passkeys: parse_or(&var, "PASSKEYS", true, "true or false")?,
                activity_retention: seconds_or(&var, "ACTIVITY_RETENTION", Duration::from_secs(90 * 86_400))?,
            },
            limits: limit_settings(&var)?,
            mail: mail_settings(&var)?,
            identity_providers: identity_providers(vars)?,
        })
    }

    /// The options Leptos renders with, from this configuration rather than
    /// leptos' `get_configuration`, which would read the environment a second
    /// time by rules of its own (and let tests pick no port or site folder).
    /// `app` and `pkg` are `output-name` and `site-pkg-dir` of Cargo.toml's
    /// `[package.metadata.leptos]`, where cargo-leptos puts the built files.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .reload_port(u32::from(self.http.live_reload_port.unwrap_or(3001)))
            .output_name("app")
            .site_root(self.http.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(self.http.site_addr)
            .build()
    }
}

/// The release build (`LEPTOS_HASH_FILES=true cargo leptos build`, see
/// scripts/lib.sh) names the built files by their content and lists the
/// hashes in `hash.txt` beside the server binary. A fact of the build, not a
/// setting. `cargo leptos watch` keeps plain names: a style edit rebuilds
/// the css without restarting the server, which would still link the old name.
fn asset_hashes_of_this_build() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    std::fs::read_to_string(exe.parent()?.join("hash.txt")).ok()
}

fn mail_settings(var: &impl Fn(&str) -> Option<String>) -> Result<MailSettings, ConfigError> {
    let smtp_url = var("SMTP_URL").filter(|url| !url.trim().is_empty());
    let from = match (var("MAIL_FROM"), &smtp_url) {
        (Some(from), _) => from,
        (None, Some(_)) => return Err(ConfigError::MissingMailFrom),
        (None, None) => format!("{} <no-reply@localhost>", app::SITE_NAME),
    };
    Ok(MailSettings {
        smtp_url: smtp_url.map(SecretString::from),
        from,
        first_retry: Duration::from_secs(1),
    })
}

fn limit_settings(var: &impl Fn(&str) -> Option<String>) -> Result<LimitSettings, ConfigError> {
    const COUNT: &str = "a whole number, at least 1";
    let defaults = LimitSettings::default();
    let settings = LimitSettings {
        login_failures_per_email: parse_or(
            var,
            "LOGIN_MAX_FAILURES_PER_EMAIL",
            defaults.login_failures_per_email,
            COUNT,
        )?,
        login_failures_per_device: parse_or(
            var,
            "LOGIN_MAX_FAILURES_PER_DEVICE",
            defaults.login_failures_per_device,
            COUNT,
        )?,
        login_failures_per_address: parse_or(
            var,
            "LOGIN_MAX_FAILURES_PER_ADDRESS",
            defaults.login_failures_per_address,
            COUNT,
        )?,
        registrations_per_address: parse_or(
            var,
            "REGISTER_MAX_PER_ADDRESS",
            defaults.registrations_per_address,
            COUNT,
        )?,
        window: Duration::from_secs(parse_or(
            var,
            "LIMIT_WINDOW",
            defaults.window.as_secs(),
            "a number of seconds, at least 1",
        )?),
    };
    for (name, value) in [
        ("LOGIN_MAX_FAILURES_PER_EMAIL", settings.login_failures_per_email as u64),
        (
            "LOGIN_MAX_FAILURES_PER_DEVICE",
            settings.login_failures_per_device as u64,
        ),
        (
            "LOGIN_MAX_FAILURES_PER_ADDRESS",
            settings.login_failures_per_address as u64,
        ),
        ("REGISTER_MAX_PER_ADDRESS", settings.registrations_per_address as u64),
        ("LIMIT_WINDOW", settings.window.as_secs()),
    ] {
        if value == 0 {
            return Err(invalid(name, "0", "at least 1"));
        }
    }
    Ok(settings)
}

fn connection_limits(var: &impl Fn(&str) -> Option<String>) -> Result<ConnectionLimits, ConfigError> {
    let defaults = ConnectionLimits::default();
    let limits = ConnectionLimits {
        header_read_timeout: seconds_or(var, "HTTP_HEADER_READ_TIMEOUT", defaults.header_read_timeout)?,
        keep_alive_timeout: seconds_or(var, "HTTP_KEEP_ALIVE_TIMEOUT", defaults.keep_alive_timeout)?,
        drain_timeout: seconds_or(var, "HTTP_DRAIN_TIMEOUT", defaults.drain_timeout)?,
        max_header_bytes: parse_or(
            var,
            "HTTP_MAX_HEADER_BYTES",
            defaults.max_header_bytes,
            "a number of bytes, at least 8192",
        )?,
        max_connections: parse_or(
            var,
            "HTTP_MAX_CONNECTIONS",
            defaults.max_connections,
            "a whole number, at least 1",
        )?,
    };
    // hyper's smallest read buffer.
    if limits.max_header_bytes < 8192 {
        return Err(invalid(
            "HTTP_MAX_HEADER_BYTES",
            &limits.max_header_bytes.to_string(),
            "a number of bytes, at least 8192",
        ));
    }
    if limits.max_connections == 0 {
        return Err(invalid("HTTP_MAX_CONNECTIONS", "0", "a whole number, at least 1"));
    }
    Ok(limits)
}

/// A duration given in seconds (fractions allowed), more than zero.
fn seconds_or(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    const EXPECTED: &str = "a number of seconds, more than 0";
    let seconds: f64 = parse_or(var, name, default.as_secs_f64(), EXPECTED)?;
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| invalid(name, &seconds.to_string(), EXPECTED))
}

/// `PUBLIC_ORIGIN` in the form browsers send in `Origin`: scheme, host and a
/// port other than the scheme's own, nothing else.
/// An http or https URL of a service, without a query: kept as given,
/// without a trailing slash.
fn service_url(name: &'static str, value: &str) -> Result<String, ConfigError> {
    url::Url::parse(value.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        .filter(|url| url.query().is_none() && url.fragment().is_none())
        .map(|_| value.trim().trim_end_matches('/').to_owned())
        .ok_or_else(|| {
            invalid(
                name,
                value,
                "an http or https URL such as https://api.pwnedpasswords.com",
            )
        })
}

fn public_origin(value: &str) -> Result<String, ConfigError> {
    const EXPECTED: &str = "an http or https origin such as https://app.example.com, without a path";
    url::Url::parse(value.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        .filter(|url| url.path() == "/" && url.query().is_none() && url.fragment().is_none())
        .filter(|url| url.username().is_empty() && url.password().is_none())
        .map(|url| url.origin().ascii_serialization())
        .ok_or_else(|| invalid("PUBLIC_ORIGIN", value, EXPECTED))
}

/// The providers named by `OIDC_<ID>_ISSUER` variables, in the order of
/// their ids. `<ID>` is upper-case letters and digits.
fn identity_providers(vars: &HashMap<String, String>) -> Result<Vec<ProviderSettings>, ConfigError> {
    let mut ids: Vec<&str> = vars
        .keys()
        .filter_map(|name| name.strip_prefix("OIDC_")?.strip_suffix("_ISSUER"))
        .collect();
    ids.sort_unstable();
    ids.into_iter()
        .map(|id| {
            let name = |field: &str| format!("OIDC_{id}_{field}");
            let problem = |field: &str, problem| ConfigError::IdentityProvider {
                name: name(field),
                problem,
            };
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit())
            {
                return Err(problem(
                    "ISSUER",
                    "names a provider id that is not upper-case letters and digits",
                ));
            }
            let value = |field: &str| {
                vars.get(&name(field))
                    .map(|value| value.trim())
                    .filter(|value| !value.is_empty())
            };
            let issuer = value("ISSUER").ok_or_else(|| problem("ISSUER", "is empty"))?;
            if !is_secure_issuer(issuer) {
                return Err(problem(
                    "ISSUER",
                    "must be an https URL (http only on localhost or 127.0.0.1), without a query",
                ));
            }
            let client_id = value("CLIENT_ID").ok_or_else(|| problem("CLIENT_ID", "is not set"))?;
            let client_secret = value("CLIENT_SECRET").ok_or_else(|| problem("CLIENT_SECRET", "is not set"))?;
            let label = value("LABEL").map_or_else(|| title_case(id), str::to_owned);
            let scopes = value("SCOPES").unwrap_or("email profile");
            let scopes = scopes
                .split([' ', ','])
                .filter(|scope| !scope.is_empty() && *scope != "openid")
                .map(str::to_owned)
                .collect();
            Ok(ProviderSettings {
                id: id.to_ascii_lowercase(),
                label,
                issuer: issuer.to_owned(),
                client_id: client_id.to_owned(),
                client_secret: SecretString::from(client_secret),
                scopes,
            })
        })
        .collect()
}

/// Whether tokens may be fetched from `issuer`: over https, or plain http
/// to this machine (a provider in development or tests).
fn is_secure_issuer(issuer: &str) -> bool {
    url::Url::parse(issuer).is_ok_and(|url| {
        url.query().is_none()
            && (url.scheme() == "https"
                || (url.scheme() == "http" && matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))))
    })
}

/// `GITLAB` as `Gitlab`: a label for a provider configured without one.
fn title_case(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The bcrypt crate's own default, so the two can never disagree.
fn bcrypt_default_cost() -> u32 {
    app::backend::password::DEFAULT_COST
}

fn parse_or<T: std::str::FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    expected: &'static str,
) -> Result<T, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(value) => value.trim().parse().map_err(|_| invalid(name, &value, expected)),
    }
}

fn invalid(name: &'static str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError::Invalid {
        name,
        value: value.to_owned(),
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The configuration of `pairs`, with a pepper unless they name one.
    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        from_exactly(&[&[PEPPER], pairs].concat())
    }

    fn from_exactly(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_vars(&map)
    }

    const PEPPER: (&str, &str) = ("PASSWORD_PEPPER", "fedcba9876543210fedcba9876543210");

    const PASSWORD: (&str, &str) = ("SESSION_PASSWORD", "0123456789abcdef0123456789abcdef");

    #[test]
    fn defaults() {
        let config = from(&[PASSWORD]).unwrap();
        assert_eq!(config.http.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.sessions.max_age, Duration::from_secs(604_800));
        assert_eq!(config.sessions.absolute_max_age, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(config.sessions.reauthentication_max_age, Duration::from_secs(600));
        assert!(config.sessions.previous_passwords.is_empty());
        assert_eq!(config.accounts.bcrypt_cost, 12);
        assert!(config.database.connection.url.starts_with("sqlite:"));
        assert!(!config.sessions.cookie_secure);
        assert!(!config.accounts.require_verified_email);
        assert!(
            config.accounts.registration_open && config.accounts.passkeys,
            "both offered by default"
        );
        assert_eq!(config.accounts.pwned_passwords_url, None, "off by default");
        assert_eq!(config.limits, LimitSettings::default());
        assert_eq!(config.limits.login_failures_per_email, 5);
        assert_eq!(config.limits.login_failures_per_address, 50);
        assert_eq!(config.limits.window, Duration::from_secs(900));
    }

    #[test]
    fn registration_and_passkeys_switch_off() {
        let off = from(&[PASSWORD, ("REGISTRATION", "closed"), ("PASSKEYS", "false")]).unwrap();
        assert!(!off.accounts.registration_open && !off.accounts.passkeys);
        assert!(
            from(&[PASSWORD, ("REGISTRATION", " open ")])
                .unwrap()
                .accounts
                .registration_open
        );
        for (name, value) in [("REGISTRATION", "no"), ("PASSKEYS", "off")] {
            assert!(
                matches!(from(&[PASSWORD, (name, value)]), Err(ConfigError::Invalid { name: refused, .. }) if refused == name),
                "{name}={value}"
            );
        }
    }

    #[test]
    fn session_password_is_required_and_long() {
        assert_eq!(from_exactly(&[]).unwrap_err(), ConfigError::MissingSessionPassword);
        assert_eq!(
            from(&[("SESSION_PASSWORD", "too short")]).unwrap_err(),
            ConfigError::ShortSessionPassword("SESSION_PASSWORD")
        );
        assert_eq!(
            from(&[PASSWORD, ("SESSION_PASSWORD_PREVIOUS", "short")]).unwrap_err(),
            ConfigError::ShortSessionPassword("SESSION_PASSWORD_PREVIOUS")
        );
        let rotated = from(&[
            PASSWORD,
            (
                "SESSION_PASSWORD_PREVIOUS",
                "previous-password-number-one-0123456789, previous-password-number-two-0123456789",
            ),
        ])
        .unwrap();
        assert_eq!(rotated.sessions.previous_passwords.len(), 2);
    }

    #[test]
    fn password_pepper_is_required_and_long() {
        assert_eq!(
            from_exactly(&[PASSWORD]).unwrap_err(),
            ConfigError::MissingPasswordPepper
        );
        assert_eq!(
            from(&[PASSWORD, ("PASSWORD_PEPPER", "too short")]).unwrap_err(),
            ConfigError::ShortSessionPassword("PASSWORD_PEPPER")
        );
        let config = from(&[PASSWORD]).unwrap();
        assert_eq!(config.accounts.password_pepper.expose_secret(), PEPPER.1);
        assert!(!format!("{config:?}").contains(PEPPER.1), "never in the startup log");
    }

    #[test]
    fn bad_values_are_named() {
        for (name, value) in [
            ("BCRYPT_COST", "3"),
            ("BCRYPT_COST", "twelve"),
            ("SESSION_MAX_AGE", "0"),
            ("SESSION_MAX_AGE", "-5"),
            ("LEPTOS_SITE_ADDR", "nowhere"),
            ("COOKIE_SECURE", "maybe"),
            ("LOGIN_MAX_FAILURES_PER_EMAIL", "0"),
            ("LIMIT_WINDOW", "soon"),
            ("PUBLIC_ORIGIN", "app.example.com"),
            ("PUBLIC_ORIGIN", "https://app.example.com/app"),
            ("PUBLIC_ORIGIN", "ftp://app.example.com"),
            ("HTTP_HEADER_READ_TIMEOUT", "0"),
            ("HTTP_MAX_HEADER_BYTES", "4096"),
            ("HTTP_MAX_CONNECTIONS", "0"),
            ("DATABASE_BUSY_TIMEOUT", "-1"),
            ("PWNED_PASSWORDS_URL", "api.pwnedpasswords.com"),
            ("PWNED_PASSWORDS_URL", "https://api.example/range?x=1"),
        ] {
            match from(&[PASSWORD, (name, value)]) {
                Err(ConfigError::Invalid { name: got, .. }) => assert_eq!(got, name),
                other => panic!("{name}={value}: {other:?}"),
            }
        }
    }

    #[test]
    fn mail_needs_a_sender_once_it_is_sent() {
        let unsent = from(&[PASSWORD]).unwrap();
        assert!(unsent.mail.smtp_url.is_none());
        assert_eq!(
            from(&[PASSWORD, ("SMTP_URL", "smtp://127.0.0.1:2525")]).unwrap_err(),
            ConfigError::MissingMailFrom
        );
        let sent = from(&[
            PASSWORD,
            ("SMTP_URL", "smtps://user:secret@mail.example.com:465"),
            ("MAIL_FROM", "Sessions <no-reply@example.com>"),
        ])
        .unwrap();
        assert_eq!(sent.mail.from, "Sessions <no-reply@example.com>");
        assert!(
            !format!("{sent:?}").contains("secret"),
            "the SMTP password stays out of Debug"
        );
    }

    #[test]
    fn public_origin_is_kept_as_browsers_send_it() {
        for (given, kept) in [
            ("https://App.Example.com", "https://app.example.com"),
            ("https://app.example.com:443/", "https://app.example.com"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("https://bücher.example", "https://xn--bcher-kva.example"),
        ] {
            let config = from(&[PASSWORD, ("PUBLIC_ORIGIN", given)]).unwrap();
            assert_eq!(config.http.public_origin.as_deref(), Some(kept), "{given}");
        }
        assert_eq!(from(&[PASSWORD]).unwrap().http.public_origin, None);
    }

    #[test]
    fn connection_limits_have_safe_defaults() {
        let limits = from(&[PASSWORD]).unwrap().http.connections;
        assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
        assert_eq!(limits.max_header_bytes, 16 * 1024);
        assert_eq!(limits.drain_timeout, Duration::from_secs(30));
        let tuned = from(&[
            PASSWORD,
            ("HTTP_HEADER_READ_TIMEOUT", "0.5"),
            ("HTTP_MAX_CONNECTIONS", "8"),
            ("HTTP_DRAIN_TIMEOUT", "2"),
        ])
        .unwrap();
        assert_eq!(tuned.http.connections.drain_timeout, Duration::from_secs(2));
        assert_eq!(tuned.http.connections.header_read_timeout, Duration::from_millis(500));
        assert_eq!(tuned.http.connections.max_connections, 8);
    }

    #[test]
    fn live_reload_is_known_only_under_watch() {
        assert_eq!(from(&[PASSWORD]).unwrap().http.live_reload_port, None);
        assert_eq!(
            from(&[PASSWORD, ("LEPTOS_WATCH", "ON")]).unwrap().http.live_reload_port,
            Some(3001)
        );
        let moved = from(&[PASSWORD, ("LEPTOS_WATCH", "ON"), ("LEPTOS_RELOAD_PORT", "4001")]).unwrap();
        assert_eq!(moved.http.live_reload_port, Some(4001));
        assert_eq!(moved.leptos_options().reload_port, 4001);
    }

    #[test]
    fn debug_output_hides_the_password() {
        let config = from(&[PASSWORD]).unwrap();
        assert!(!format!("{config:?}").contains(PASSWORD.1));
    }

    #[test]
    fn identity_providers_are_found_by_their_issuer_variable() {
        let config = from(&[
            PASSWORD,
            ("OIDC_GITLAB_ISSUER", "https://gitlab.com"),
            ("OIDC_GITLAB_CLIENT_ID", "app"),
            ("OIDC_GITLAB_CLIENT_SECRET", "a client secret"),
            ("OIDC_CORP2_ISSUER", "https://sso.example.com/realms/staff"),
            ("OIDC_CORP2_CLIENT_ID", "app"),
            ("OIDC_CORP2_CLIENT_SECRET", "another secret"),
            ("OIDC_CORP2_LABEL", "Staff sign-in"),
            ("OIDC_CORP2_SCOPES", "openid email, groups"),
        ])
        .unwrap();
        let providers: Vec<(&str, &str, &[String])> = config
            .identity_providers
            .iter()
            .map(|p| (p.id.as_str(), p.label.as_str(), p.scopes.as_slice()))
            .collect();
        assert_eq!(
            providers,
            [
                ("corp2", "Staff sign-in", &["email".to_owned(), "groups".to_owned()][..]),
                ("gitlab", "Gitlab", &["email".to_owned(), "profile".to_owned()][..]),
            ]
        );
        assert!(!format!("{config:?}").contains("a client secret"));
    }

    #[test]
    fn an_identity_provider_missing_a_setting_is_named() {
        let issuer = ("OIDC_GOOGLE_ISSUER", "https://accounts.google.com");
        let id = ("OIDC_GOOGLE_CLIENT_ID", "app");
        let secret = ("OIDC_GOOGLE_CLIENT_SECRET", "secret");
        let error = |pairs: &[(&str, &str)]| {
            let mut all = vec![PASSWORD];
            all.extend_from_slice(pairs);
            from(&all).unwrap_err().to_string()
        };
        assert!(error(&[issuer, id]).starts_with("OIDC_GOOGLE_CLIENT_SECRET "));
        assert!(error(&[issuer, secret]).starts_with("OIDC_GOOGLE_CLIENT_ID "));
        for unsafe_issuer in [
            "http://accounts.google.com",
            "not a url",
            "https://idp.example.com/?tenant=1",
        ] {
            let message = error(&[("OIDC_GOOGLE_ISSUER", unsafe_issuer), id, secret]);
            assert!(message.starts_with("OIDC_GOOGLE_ISSUER "), "{message}");
        }
        let message = error(&[("OIDC_google_ISSUER", "https://accounts.google.com"), id, secret]);
        assert!(message.starts_with("OIDC_google_ISSUER "), "{message}");
        assert!(from(&[
            PASSWORD,
            ("OIDC_LOCAL_ISSUER", "http://localhost:8080"),
            ("OIDC_LOCAL_CLIENT_ID", "a"),
            ("OIDC_LOCAL_CLIENT_SECRET", "b")
        ])
        .is_ok());
    }
}
