//! Every SQL statement of the product, a file per table group: accounts
//! (`users.rs`), session records (`sessions.rs`), mailed single-use tokens
//! (`tokens.rs`), passkeys (`passkeys.rs`), identities at providers
//! (`identities.rs`), ceremonies waiting between requests
//! (`ceremonies.rs`), limit counters (`attempts.rs`), the mail outbox
//! (`outbox.rs`). Queries use `$N` placeholders and `ON CONFLICT ...
//! RETURNING`, which both SQLite and PostgreSQL understand, and run through
//! sqlx's `Any` driver: one set of statements and one `Database` type for both
//! backends, chosen by the URL's scheme alone. On SQLite, the two reads on
//! most requests' path (the session check and the page of users) run the
//! same statements through rusqlite on one connection every request shares
//! (`reader.rs` says why).
//!
//! `Any` over the typed drivers: typed pools run a statement a few
//! microseconds faster, but a whole request takes ten times that statement
//! or more, so they would gain little per request, at the price of every
//! statement written and tested twice (`cargo bench -p server --bench
//! db_drivers`; figures in docs/performance.md, "Figures behind code
//! choices"). Worth it only once the database is the bottleneck, which it
//! is not here.

mod activity;
mod attempts;
mod ceremonies;
mod email_change;
mod identities;
mod lifecycle;
mod outbox;
mod passkeys;
mod pool;
mod reader;
mod session_records;
mod sign_in_methods;
mod tokens;
mod two_factor;
mod users;

pub use activity::ActivityRecord;
pub use email_change::EmailChanged;
pub use identities::{IdentityRecord, NewIdentity};
pub use outbox::ClaimedMail;
pub use passkeys::{NewPasskey, PasskeyOwner, PasskeyRecord};
pub use session_records::{SessionId, SessionRecord, SessionStanding};
pub use sign_in_methods::{Removal, Usable};
pub use tokens::{NewToken, TokenPurpose};
pub use two_factor::TwoFactorRecord;
pub use users::{Credentials, PasswordReset};

/// A transaction on either backend.
type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

use super::log_safe::Causes;
use crate::domain::UserId;
use crate::error::AppError;
use deadpool::managed::{PoolError, QueueMode};
use pool::{Connector, Pool, PooledConnection};
use reader::{Param, SqliteReader};
use sqlx::{any::AnyConnectOptions, migrate::Migrator, ConnectOptions, Connection};
use std::{path::PathBuf, str::FromStr, time::Duration};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone)]
pub struct Database {
    pool: Pool,
    backend: Backend,
    /// On SQLite, where the reads on most requests' path are made.
    reader: Option<SqliteReader>,
    /// Longest a request waits for a connection, opening one included.
    acquire_timeout: Duration,
}

/// How the pool connects, from the configuration.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `sqlite:` or `postgres:` (`postgresql:`).
    pub url: String,
    pub max_connections: u32,
    /// Longest a request waits for a connection, opening one included.
    pub acquire_timeout: Duration,
    /// How long a SQLite write waits for the lock.
    pub busy_timeout: Duration,
}

/// The database server the URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Option<Self> {
        match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("sqlite") => Some(Self::Sqlite),
            Some("postgres" | "postgresql") => Some(Self::Postgres),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported DATABASE_URL scheme in {0:?}: expected sqlite: or postgres:")]
    UnsupportedScheme(String),
    #[error("cannot create the SQLite folder {0}: {1}")]
    CreateFolder(String, std::io::Error),
    #[error("cannot open the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot open the database for reading: {0}")]
    OpenReader(tokio_rusqlite::Error),
}

impl ConnectError {
    /// Whether the database is not there (yet), rather than wrong: worth
    /// trying again.
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Connect(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut) => true,
            // 57P03: the server is starting up.
            Self::Connect(sqlx::Error::Database(err)) => err.code().as_deref() == Some("57P03"),
            _ => false,
        }
    }
}

impl Database {
    /// Opens the pool (creating a SQLite file and its folder when missing) and
    /// applies pending migrations.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        let url = settings.url.as_str();
        let backend = Backend::of(url).ok_or_else(|| ConnectError::UnsupportedScheme(redacted(url)))?;
        let (options, reader_path) = match backend {
            Backend::Sqlite => sqlite_options(url)?,
            Backend::Postgres => (AnyConnectOptions::from_str(url)?, None),
        };
        let connector = Connector {
            options,
            backend,
            busy_timeout: settings.busy_timeout,
        };
        let pool = Pool::builder(connector)
            .max_size(usize::try_from(settings.max_connections).unwrap_or(usize::MAX))
            // The connection given back last: its thread is the likeliest to
            // be awake still, and the others' stay asleep.
            .queue_mode(QueueMode::Lifo)
            .build()
            .expect("a pool without timeouts needs no runtime");
        let mut database = Self {
            pool,
            backend,
            reader: None,
            acquire_timeout: settings.acquire_timeout,
        };
        let mut connection = database.lend().await.map_err(ConnectError::Connect)?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&mut *connection).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&mut *connection).await?,
        }
        if let Some(path) = reader_path {
            let reader = SqliteReader::open(path, settings.busy_timeout, settings.acquire_timeout);
            database.reader = Some(reader.await.map_err(ConnectError::OpenReader)?);
        }
        Ok(database)
    }

    /// The first row of a read made on most requests, if any: on SQLite from
    /// the reader every request shares (reader.rs), on PostgreSQL from the
    /// pool. `params` are bound to `$1`, `$2`, ... in order.
    async fn hot_row<T>(&self, sql: &'static str, params: Vec<Param>) -> Result<Option<T>, AppError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>
            + for<'r> TryFrom<&'r rusqlite::Row<'r>, Error = rusqlite::Error>
            + Send
            + Unpin
            + 'static,
    {
        if let Some(reader) = &self.reader {
            return reader.optional_row(sql, params).await;
        }
        let mut query = sqlx::query_as(sql);
        for param in params {
            query = match param {
                Param::Int(value) => query.bind(value),
                Param::Text(value) => query.bind(value),
            };
        }
        query
            .fetch_optional(&mut *self.connection().await?)
            .await
            .map_err(database_error)
    }

    /// A connection for this request's statements, back in the pool when dropped.
    async fn connection(&self) -> Result<PooledConnection, AppError> {
        self.lend().await.map_err(database_error)
    }

    async fn lend(&self) -> Result<PooledConnection, sqlx::Error> {
        match tokio::time::timeout(self.acquire_timeout, self.pool.get()).await {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(PoolError::Backend(err))) => Err(err),
            Ok(Err(PoolError::Closed)) => Err(sqlx::Error::PoolClosed),
            Ok(Err(_)) | Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// Closes the idle connections and refuses new loans; a connection in use
    /// is closed when its request gives it back.
    pub async fn close(&self) {
        if let Some(reader) = &self.reader {
            reader.close().await;
        }
        let idle = self.pool.retain(|_, _| false).removed;
        self.pool.close();
        for connection in idle {
            let _ = connection.close().await;
        }
    }
}

/// `url` without its password, for messages.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The pool's options, and the file the reader opens: none for a database in
/// memory, which only the pool's connections share.
fn sqlite_options(url: &str) -> Result<(AnyConnectOptions, Option<PathBuf>), ConnectError> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?.create_if_missing(true);
    if let Some(folder) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|err| ConnectError::CreateFolder(folder.display().to_string(), err))?;
    }
    let url = options.to_url_lossy();
    let in_memory = url.query_pairs().any(|(key, value)| key == "mode" && value == "memory");
    let reader_path = (!in_memory).then(|| options.get_filename().to_owned());
    Ok((AnyConnectOptions::from_url(&url)?, reader_path))
}

/// A lost connection, an exhausted pool or a database still locked after the
/// busy timeout is the database being unavailable (503); anything else is a bug,
/// logged here and shown to the client without details.
/// Runs each of `statements`, whose one parameter is `user_id`, in `tx`.
async fn run_for_user_in(tx: &mut Tx<'_>, user_id: UserId, statements: &[&str]) -> Result<(), AppError> {
    for statement in statements {
        sqlx::query(statement)
            .bind(user_id)
            .execute(&mut **tx)
            .await
            .map_err(database_error)?;
    }
    Ok(())
}

fn database_error(err: sqlx::Error) -> AppError {
    // Every foreign key names a user: a row written for one deleted meanwhile
    // (the account deleted by another request) is a request whose user is gone.
    if let sqlx::Error::Database(db_err) = &err {
        if db_err.is_foreign_key_violation() {
            tracing::info!(error = %Causes(&err), "a write for a user deleted meanwhile");
            return AppError::Unauthorized;
        }
    }
    let unavailable = match &err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db_err) => is_busy(db_err.code().as_deref()),
        _ => false,
    };
    unavailable_or_bug(&err, unavailable)
}

/// The database being unavailable (503) or a bug (500), logged as such; the
/// client is shown no details either way.
fn unavailable_or_bug(err: &(dyn std::error::Error + 'static), unavailable: bool) -> AppError {
    if unavailable {
        tracing::warn!(error = %Causes(err), "database unavailable");
        AppError::Unavailable
    } else {
        tracing::error!(error = %Causes(err), "database error");
        AppError::Internal
    }
}

/// SQLite's `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6), in any extended form
/// (the low byte is the primary code); PostgreSQL's classes 08 (connection
/// exception), 53 (insufficient resources) and 57P (operator intervention:
/// the server shutting down or restarting), and a serialization failure or
/// deadlock (40001, 40P01).
fn is_busy(code: Option<&str>) -> bool {
    match code {
        // A SQLSTATE is always five characters; SQLite's codes are at most four digits.
        Some(sqlstate) if sqlstate.len() == 5 => {
            ["08", "53", "57P"].iter().any(|class| sqlstate.starts_with(class)) || matches!(sqlstate, "40001" | "40P01")
        }
        Some(sqlite) => sqlite.parse::<i32>().is_ok_and(is_sqlite_busy),
        None => false,
    }
}

/// SQLite's `SQLITE_BUSY` (5) or `SQLITE_LOCKED` (6), extended or not.
fn is_sqlite_busy(code: i32) -> bool {
    matches!(code & 0xff, 5 | 6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::clock::UnixTime;

    #[test]
    fn the_backend_comes_from_the_scheme_alone() {
        assert_eq!(Backend::of("sqlite://data/app.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::of("postgres://app@db/app"), Some(Backend::Postgres));
        assert_eq!(Backend::of("postgresql://app@db/app"), Some(Backend::Postgres));
        assert_eq!(Backend::of("mysql://app@db/app"), None);
        assert_eq!(Backend::of("data/app.db"), None);
    }

    #[test]
    fn busy_and_unreachable_databases_are_told_from_bugs() {
        for busy in ["5", "517", "6", "262", "08006", "53300", "57P01", "40001", "40P01"] {
            assert!(is_busy(Some(busy)), "{busy}");
        }
        for bug in ["2067", "1555", "23505", "42P01", "42601", "19"] {
            assert!(!is_busy(Some(bug)), "{bug}");
        }
        assert!(!is_busy(None));
    }

    async fn sqlite_with_one_connection(folder: &std::path::Path) -> Database {
        let settings = DatabaseSettings {
            url: format!("sqlite://{}", folder.join("app.db").display()),
            max_connections: 1,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(1),
        };
        Database::connect(&settings).await.unwrap()
    }

    #[tokio::test]
    async fn users_stored_before_typed_columns_keep_their_times_and_passwords() {
        use sqlx::{migrate::Migrator, Connection as _};
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", folder.path().join("old.db").display());
        let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let all = &SQLITE_MIGRATIONS.migrations;
        let typed = all.iter().position(|m| m.description == "typed users").unwrap();
        let before = Migrator {
            migrations: std::borrow::Cow::Owned(all[..typed].to_vec()),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        before.run(&mut connection).await.unwrap();
        sqlx::query(
            "INSERT INTO users (name, email, password, created_at, email_verified_at) VALUES \
             ('Ada', 'ada@example.com', '$2b$04$x', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00.75Z'), \
             ('Bo', 'bo@example.com', '', '2026-01-01T00:00:01.999Z', NULL)",
        )
        .execute(&mut connection)
        .await
        .unwrap();
        SQLITE_MIGRATIONS.run(&mut connection).await.unwrap();
        let rows: Vec<(String, Option<String>, i64, Option<i64>)> =
            sqlx::query_as("SELECT name, password_hash, created_at, email_verified_at FROM users ORDER BY id")
                .fetch_all(&mut connection)
                .await
                .unwrap();
        assert_eq!(
            rows,
            [
                (
                    "Ada".into(),
                    Some("$2b$04$x".into()),
                    1_767_225_600,
                    Some(1_767_312_000)
                ),
                ("Bo".into(), None, 1_767_225_601, None),
            ]
        );
    }

    // A SQLite connection goes back to the pool without a round trip to its
    // thread (pool.rs): what a dropped transaction leaves must still be undone
    // before the next borrower's statements run.
    #[tokio::test]
    async fn a_transaction_dropped_half_way_is_undone_before_the_next_loan() {
        let folder = tempfile::tempdir().unwrap();
        let db = sqlite_with_one_connection(folder.path()).await;
        {
            let mut connection = db.connection().await.unwrap();
            let mut tx = connection.begin().await.unwrap();
            sqlx::query("INSERT INTO users (name, email, password_hash, created_at) VALUES ('Ada', 'ada@example.com', 'x', 1767225600)")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let mut connection = db.connection().await.unwrap();
        let mut tx = connection.begin().await.expect("no transaction left open");
        let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(users, 0);
    }

    #[tokio::test]
    async fn a_closed_pool_is_unavailable_not_an_error() {
        let folder = tempfile::tempdir().unwrap();
        let db = sqlite_with_one_connection(folder.path()).await;
        db.close().await;
        assert!(matches!(db.connection().await, Err(AppError::Unavailable)));
    }

    #[tokio::test]
    async fn waiting_for_a_connection_is_bounded() {
        let folder = tempfile::tempdir().unwrap();
        let db = Database {
            acquire_timeout: Duration::from_millis(50),
            ..sqlite_with_one_connection(folder.path()).await
        };
        let _held = db.connection().await.unwrap();
        assert!(matches!(db.connection().await, Err(AppError::Unavailable)));
    }

    /// A database with one pooled connection, holding a user and a session
    /// of theirs valid until 2,000; the folder holds the file.
    async fn sqlite_with_a_session() -> (tempfile::TempDir, Database, SessionRecord) {
        let folder = tempfile::tempdir().unwrap();
        let db = sqlite_with_one_connection(folder.path()).await;
        let user = db
            .insert_user("Ada", "ada@example.com", "x", UnixTime::from_seconds(1_767_225_600))
            .await
            .unwrap();
        let session = SessionRecord {
            id: SessionId::random(),
            user_id: user.id,
            created_at: UnixTime::from_seconds(1_000),
            last_seen_at: UnixTime::from_seconds(1_000),
            expires_at: UnixTime::from_seconds(2_000),
            user_agent: String::new(),
            address: String::new(),
        };
        db.insert_session(&session, None, UnixTime::from_seconds(1_000))
            .await
            .unwrap();
        (folder, db, session)
    }

    /// The session's last sighting as the check at `now` finds it; `None`
    /// when the session is not valid then.
    async fn checked(db: &Database, session: &SessionRecord, now: i64) -> Option<i64> {
        let standing = db
            .session_standing(session.user_id, &session.id, UnixTime::from_seconds(now))
            .await
            .unwrap();
        standing.map(|standing| standing.last_seen_at.seconds())
    }

    #[tokio::test]
    async fn the_session_check_needs_no_pooled_connection_on_sqlite() {
        let (_folder, db, session) = sqlite_with_a_session().await;
        let db = Database {
            acquire_timeout: Duration::from_millis(50),
            ..db
        };
        let _held = db.connection().await.unwrap();
        assert_eq!(checked(&db, &session, 1_500).await, Some(1_000));
    }

    #[tokio::test]
    async fn the_session_check_sees_each_commit_at_once() {
        let (_folder, db, session) = sqlite_with_a_session().await;
        assert_eq!(checked(&db, &session, 1_500).await, Some(1_000));
        assert_eq!(checked(&db, &session, 2_000).await, None);
        db.touch_session(&session.id, UnixTime::from_seconds(1_600))
            .await
            .unwrap();
        assert_eq!(checked(&db, &session, 1_700).await, Some(1_600));
        assert!(db.end_session(session.user_id, &session.id).await.unwrap());
        assert_eq!(checked(&db, &session, 1_700).await, None);
    }

    #[tokio::test]
    async fn the_reader_cannot_write() {
        let (_folder, db, session) = sqlite_with_a_session().await;
        let delete = "DELETE FROM sessions WHERE id = $1 RETURNING user_id";
        let write: Result<Option<(i64,)>, _> = db.hot_row(delete, vec![session.id.as_str().into()]).await;
        assert!(matches!(write, Err(AppError::Internal)));
        assert_eq!(checked(&db, &session, 1_500).await, Some(1_000));
    }

    // A flood past what the reader's thread answers in time leaves reads
    // queued that nobody waits for: they are skipped, not run, so the reader
    // answers the next request at once rather than after the whole backlog.
    #[tokio::test]
    async fn reads_nobody_waits_for_any_more_are_skipped() {
        let (_folder, db, session) = sqlite_with_a_session().await;
        let reader = db.reader.clone().unwrap();
        let impatient = Database {
            reader: Some(reader.waiting_at_most(Duration::from_millis(20))),
            ..db.clone()
        };
        let stall = tokio::spawn({
            let reader = reader.clone();
            async move { reader.stall(Duration::from_millis(300)).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        let flood: Vec<_> = (0..200)
            .map(|_| {
                let (impatient, session) = (impatient.clone(), session.clone());
                tokio::spawn(async move {
                    impatient
                        .session_standing(session.user_id, &session.id, UnixTime::from_seconds(1_500))
                        .await
                })
            })
            .collect();
        for waiting in flood {
            assert_eq!(waiting.await.unwrap(), Err(AppError::Unavailable));
        }
        stall.await.unwrap();
        let before = reader.statements_run.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(checked(&db, &session, 1_500).await, Some(1_000));
        let after = reader.statements_run.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(after - before, 1, "only the read someone waited for ran");
    }

    #[tokio::test]
    async fn a_closed_database_answers_the_session_check_unavailable() {
        let (_folder, db, session) = sqlite_with_a_session().await;
        db.close().await;
        let standing = db
            .session_standing(session.user_id, &session.id, UnixTime::from_seconds(1_500))
            .await;
        assert!(matches!(standing, Err(AppError::Unavailable)));
    }

    // A session ended by a concurrent request (the owner's password change)
    // must not live on in what it was about to store: checked inside the
    // transaction, not only by the request's session check before it.
    #[tokio::test]
    async fn an_ended_session_stores_no_successor_nor_passkey_nor_identity() {
        let (_folder, db, session) = sqlite_with_a_session().await;
        assert!(db.end_session(session.user_id, &session.id).await.unwrap());
        let successor = SessionRecord {
            id: SessionId::random(),
            ..session.clone()
        };
        for refused in [
            db.replace_sessions(&session.id, &successor).await,
            db.rotate_session(&session.id, &successor).await,
            db.change_password("$2b$04$x", &session.id, &successor).await,
        ] {
            assert_eq!(refused, Err(AppError::Unauthorized));
        }
        assert_eq!(
            db.set_first_password("$2b$04$x", &session.id, &successor).await,
            Ok(false)
        );
        let passkey = NewPasskey {
            id: "cred",
            name: "Phone",
            credential: "{}",
            created_at: UnixTime::from_seconds(1_000),
        };
        let added = db.add_passkey(session.user_id, &session.id, "handle", &passkey).await;
        assert_eq!(added, Err(AppError::Unauthorized));
        let identity = NewIdentity {
            provider: "test",
            subject: "ada",
            email: "ada@example.com",
            created_at: UnixTime::from_seconds(1_000),
        };
        let linked = db.link_identity(session.user_id, Some(&session.id), &identity).await;
        assert_eq!(linked, Err(AppError::Unauthorized));
        assert_eq!(checked(&db, &successor, 1_500).await, None);
    }

    #[test]
    fn a_password_in_a_url_is_never_shown() {
        assert_eq!(redacted("postgres://app:hunter2@db/app"), "postgres://app:***@db/app");
        assert_eq!(redacted("sqlite://data/app.db"), "sqlite://data/app.db");
    }
}
