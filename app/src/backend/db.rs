//! Every SQL statement of the product. Queries use `$N` placeholders, which both
//! SQLite and PostgreSQL understand, and run through sqlx's `Any` driver, so the
//! backend is chosen by the URL scheme alone.

use crate::{
    error::AppError,
    model::{UserProfile, UserSummary},
};
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    AnyPool, ConnectOptions, Executor,
};
use std::{str::FromStr, time::Duration};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");

/// What login needs to know about an account.
pub struct Credentials {
    pub user: UserSummary,
    pub password_hash: String,
}

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
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        if !url.starts_with("sqlite:") {
            return Err(ConnectError::UnsupportedScheme(url.to_owned()));
        }
        let options = sqlite_options(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run while one writer commits; the busy timeout
                    // makes concurrent writers wait instead of failing.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
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

    /// Stores a new account; a taken email is [`AppError::EmailTaken`].
    pub async fn insert_user(
        &self,
        name: &str,
        email: &str,
        password_hash: &str,
        created_at: &str,
    ) -> Result<UserSummary, AppError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, email, password, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(email)
        .bind(password_hash)
        .bind(created_at)
        .fetch_one(&self.pool)
        .await
        .map_err(|err| match err.as_database_error() {
            Some(db_err) if db_err.is_unique_violation() => AppError::EmailTaken,
            _ => database_error(err),
        })?;
        Ok(UserSummary {
            id,
            name: name.to_owned(),
        })
    }

    pub async fn find_credentials(&self, email: &str) -> Result<Option<Credentials>, AppError> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, password FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&self.pool)
                .await
                .map_err(database_error)?;
        Ok(row.map(|(id, name, password_hash)| Credentials {
            user: UserSummary { id, name },
            password_hash,
        }))
    }

    /// One page of users in id order, starting after the `after` cursor.
    pub async fn list_users(&self, after: i64, limit: i64) -> Result<Vec<UserSummary>, AppError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM users WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(database_error)?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| UserSummary { id, name })
            .collect())
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<UserProfile>, AppError> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, created_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(database_error)?;
        Ok(row.map(|(id, name, created_at)| UserProfile {
            id,
            name,
            created_at,
        }))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn sqlite_options(url: &str) -> Result<AnyConnectOptions, ConnectError> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?.create_if_missing(true);
    if let Some(folder) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|err| ConnectError::CreateFolder(folder.display().to_string(), err))?;
    }
    let url = options.to_url_lossy();
    Ok(AnyConnectOptions::from_url(&url)?)
}

/// A lost connection or an exhausted pool is the database being unavailable (503);
/// anything else is a bug, logged here and shown to the client without details.
fn database_error(err: sqlx::Error) -> AppError {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            tracing::warn!(error = %err, "database unavailable");
            AppError::Unavailable
        }
        err => {
            tracing::error!(error = %err, "database error");
            AppError::Internal
        }
    }
}
