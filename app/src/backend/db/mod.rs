//! Every SQL statement of the product, a file per table group: accounts
//! (`users.rs`), session standing (`sessions.rs`), limit counters
//! (`attempts.rs`). Queries use `$N` placeholders and `ON CONFLICT ...
//! RETURNING`, which both SQLite and PostgreSQL understand, and run through
//! sqlx's `Any` driver so the PostgreSQL backend can join them; today only
//! `sqlite:` URLs are accepted.

mod attempts;
mod sessions;
mod users;

pub use sessions::SessionStanding;
pub use users::Credentials;

use super::log_safe::Causes;
use crate::error::AppError;
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    AnyPool, ConnectOptions, Executor,
};
use std::{str::FromStr, time::Duration};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");

#[derive(Clone)]
pub struct Database {
    pool: AnyPool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported DATABASE_URL scheme in {0:?}: expected sqlite: (postgres: support comes later)")]
    UnsupportedScheme(String),
    #[error("cannot create the SQLite folder {0}: {1}")]
    CreateFolder(String, std::io::Error),
    #[error("cannot open the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Database {
    /// Opens the pool (creating a SQLite file and its folder when missing) and
    /// applies pending migrations.
    pub async fn connect(url: &str, busy_timeout: Duration) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        if !url.starts_with("sqlite:") {
            return Err(ConnectError::UnsupportedScheme(url.to_owned()));
        }
        let options = sqlite_options(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run while one writer commits; the busy timeout
                    // makes concurrent writers wait instead of failing.
                    conn.execute(
                        format!(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON;",
                            busy_timeout.as_millis()
                        )
                        .as_str(),
                    )
                    .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn sqlite_options(url: &str) -> Result<AnyConnectOptions, ConnectError> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?.create_if_missing(true);
    if let Some(folder) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|err| ConnectError::CreateFolder(folder.display().to_string(), err))?;
    }
    let url = options.to_url_lossy();
    Ok(AnyConnectOptions::from_url(&url)?)
}

/// A lost connection, an exhausted pool or a database still locked after the
/// busy timeout is the database being unavailable (503); anything else is a bug,
/// logged here and shown to the client without details.
fn database_error(err: sqlx::Error) -> AppError {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            tracing::warn!(error = %Causes(&err), "database unavailable");
            AppError::Unavailable
        }
        sqlx::Error::Database(ref db_err) if is_busy(db_err.code().as_deref()) => {
            tracing::warn!(error = %Causes(&err), "database unavailable");
            AppError::Unavailable
        }
        err => {
            tracing::error!(error = %Causes(&err), "database error");
            AppError::Internal
        }
    }
}

/// SQLite's `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6), in any extended form
/// (the low byte is the primary code).
fn is_busy(code: Option<&str>) -> bool {
    code.and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, 5 | 6))
}
