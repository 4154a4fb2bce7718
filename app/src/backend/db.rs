//! Every SQL statement of the product. Queries use `$N` placeholders and
//! `ON CONFLICT ... RETURNING`, which both SQLite and PostgreSQL understand, and
//! run through sqlx's `Any` driver; only `sqlite:` URLs are accepted so far.

use super::random_id;
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
    pub security_stamp: String,
}

/// Whether a session may still be used.
pub struct SessionStanding {
    /// The user's current security stamp: a random value (so that no two users,
    /// nor one user before and after a database reset, ever share one) replaced
    /// by "log out everywhere" and password changes, which a session must carry
    /// to be valid.
    pub security_stamp: String,
    /// Logged out.
    pub ended: bool,
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

    /// Stores a new account; a taken email is [`AppError::EmailTaken`].
    pub async fn insert_user(
        &self,
        name: &str,
        email: &str,
        password_hash: &str,
        created_at: &str,
        security_stamp: &str,
    ) -> Result<UserSummary, AppError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, email, password, created_at, security_stamp) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(email)
        .bind(password_hash)
        .bind(created_at)
        .bind(security_stamp)
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
        let row: Option<(i64, String, String, String)> =
            sqlx::query_as("SELECT id, name, password, security_stamp FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&self.pool)
                .await
                .map_err(database_error)?;
        Ok(row.map(|(id, name, password_hash, security_stamp)| Credentials {
            user: UserSummary { id, name },
            password_hash,
            security_stamp,
        }))
    }

    /// The stored password hash of a user.
    pub async fn password_hash(&self, user_id: i64) -> Result<Option<String>, AppError> {
        sqlx::query_scalar("SELECT password FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(database_error)
    }

    /// The check made on every request with a valid cookie: one statement, a
    /// primary-key lookup in `users` and a primary-key probe in `ended_sessions`.
    /// `None` when the user no longer exists.
    pub async fn session_standing(&self, user_id: i64, session_id: &str) -> Result<Option<SessionStanding>, AppError> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT security_stamp, \
                    (SELECT COUNT(*) FROM ended_sessions WHERE session_id = $2) \
             FROM users WHERE id = $1",
        )
        .bind(user_id)
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(database_error)?;
        Ok(row.map(|(security_stamp, ended)| SessionStanding {
            security_stamp,
            ended: ended > 0,
        }))
    }

    /// Records a logged-out session until `expires_at` (Unix seconds), and forgets
    /// the ones whose time has passed by `now` (their cookies are refused as expired).
    pub async fn end_session(&self, session_id: &str, expires_at: i64, now: i64) -> Result<(), AppError> {
        sqlx::query("DELETE FROM ended_sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        sqlx::query("INSERT INTO ended_sessions (session_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(session_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    /// Revokes every session of the user; returns the new security stamp.
    pub async fn rotate_security_stamp(&self, user_id: i64) -> Result<String, AppError> {
        let stamp = random_id();
        sqlx::query("UPDATE users SET security_stamp = $2 WHERE id = $1")
            .bind(user_id)
            .bind(&stamp)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(stamp)
    }

    /// Replaces the stored hash of the same password (a rehash at a new cost),
    /// only if it is still `old_hash`: a password changed meanwhile stays changed.
    pub async fn replace_password_hash(&self, user_id: i64, old_hash: &str, new_hash: &str) -> Result<bool, AppError> {
        let updated = sqlx::query("UPDATE users SET password = $3 WHERE id = $1 AND password = $2")
            .bind(user_id)
            .bind(old_hash)
            .bind(new_hash)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(updated.rows_affected() == 1)
    }

    /// Replaces the password and revokes every session; returns the new security stamp.
    pub async fn change_password(&self, user_id: i64, password_hash: &str) -> Result<String, AppError> {
        let stamp = random_id();
        sqlx::query("UPDATE users SET password = $2, security_stamp = $3 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .bind(&stamp)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(stamp)
    }

    /// One page of users in id order, starting after the `after` cursor.
    pub async fn list_users(&self, after: i64, limit: i64) -> Result<Vec<UserSummary>, AppError> {
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM users WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(rows.into_iter().map(|(id, name)| UserSummary { id, name }).collect())
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<UserProfile>, AppError> {
        let row: Option<(i64, String, String)> = sqlx::query_as("SELECT id, name, created_at FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(row.map(|(id, name, created_at)| UserProfile { id, name, created_at }))
    }

    /// The window start and count of attempts under `key`, if its window began
    /// after `since` (Unix seconds).
    pub async fn attempts(&self, key: &str, since: i64) -> Result<Option<(i64, i64)>, AppError> {
        sqlx::query_as("SELECT window_started, attempts FROM attempt_counters WHERE key = $1 AND window_started > $2")
            .bind(key)
            .bind(since)
            .fetch_optional(&self.pool)
            .await
            .map_err(database_error)
    }

    /// Counts one attempt under `key` at `now`, starting a new window when the
    /// current one began at or before `since`, and returns the count and the
    /// window's start: one atomic statement, so parallel attempts each see their
    /// own count. The count stops at `max + 1` ("refused"): refused attempts do
    /// not pile up, so one success (which forgets the count) opens the way again.
    pub async fn count_attempt(&self, key: &str, max: i64, now: i64, since: i64) -> Result<(i64, i64), AppError> {
        sqlx::query_as(
            "INSERT INTO attempt_counters (key, window_started, attempts) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
                 attempts = CASE WHEN attempt_counters.window_started <= $3 THEN 1 \
                                 WHEN attempt_counters.attempts > $4 THEN attempt_counters.attempts \
                                 ELSE attempt_counters.attempts + 1 END, \
                 window_started = CASE WHEN attempt_counters.window_started <= $3 THEN $2 \
                                       ELSE attempt_counters.window_started END \
             RETURNING attempts, window_started",
        )
        .bind(key)
        .bind(now)
        .bind(since)
        .bind(max)
        .fetch_one(&self.pool)
        .await
        .map_err(database_error)
    }

    /// Drops the counters whose window began at or before `since`: finished.
    pub async fn sweep_attempts(&self, since: i64) -> Result<(), AppError> {
        sqlx::query("DELETE FROM attempt_counters WHERE window_started <= $1")
            .bind(since)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    /// Takes back one attempt counted under `key`.
    pub async fn refund_attempt(&self, key: &str) -> Result<(), AppError> {
        sqlx::query("UPDATE attempt_counters SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    pub async fn forget_attempts(&self, key: &str) -> Result<(), AppError> {
        sqlx::query("DELETE FROM attempt_counters WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(())
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
            tracing::warn!(error = %err, "database unavailable");
            AppError::Unavailable
        }
        sqlx::Error::Database(ref db_err) if is_busy(db_err.code().as_deref()) => {
            tracing::warn!(error = %err, "database unavailable");
            AppError::Unavailable
        }
        err => {
            tracing::error!(error = %err, "database error");
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
