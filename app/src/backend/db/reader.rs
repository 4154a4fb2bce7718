//! The reads on every authenticated request's path, on SQLite: answered by
//! one read-only connection on a thread of its own, which every request
//! shares.
//!
//! A pooled connection is lent to one request at a time, so each statement
//! sent to its thread finds that thread asleep and costs two thread switches
//! there and back, about as much as the rest of the request
//! (docs/performance.md, "One thread for the hot reads"). Requests queue on
//! this one thread instead: under load it takes the next statement without
//! sleeping in between, and SQLite's blocking calls still never run on the
//! async runtime's threads. Writes, transactions and the colder reads stay on the
//! pool; in WAL mode this connection sees each of their commits as soon as it
//! is made.

use super::{is_sqlite_busy, unavailable_or_bug};
use crate::error::AppError;
use rusqlite::OpenFlags;
use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

/// One value bound to a `$N` placeholder.
#[derive(Debug, Clone)]
pub(super) enum Param {
    Int(i64),
    Text(String),
}

impl From<i64> for Param {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<crate::domain::UserId> for Param {
    fn from(value: crate::domain::UserId) -> Self {
        Self::Int(value.get())
    }
}

impl From<&super::SessionId> for Param {
    fn from(value: &super::SessionId) -> Self {
        Self::Text(value.as_str().to_owned())
    }
}

impl From<crate::backend::clock::UnixTime> for Param {
    fn from(value: crate::backend::clock::UnixTime) -> Self {
        Self::Int(value.seconds())
    }
}

impl From<&str> for Param {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl rusqlite::ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Self::Int(value) => value.to_sql(),
            Self::Text(value) => value.to_sql(),
        }
    }
}

#[derive(Clone)]
pub(super) struct SqliteReader {
    connection: tokio_rusqlite::Connection,
    /// Longest a request waits for its answer, its turn in the queue included.
    timeout: Duration,
    /// Statements run so far, for the tests of what an overload leaves.
    #[cfg(test)]
    pub(super) statements_run: Arc<std::sync::atomic::AtomicU64>,
}

/// Marks a read nobody waits for any more (its wait timed out, or its
/// request went away) when dropped with the wait, so that its statement is
/// skipped when its turn comes: the thread's queue is unbounded, and after an
/// overload it would otherwise spend as long on answers nobody reads as the
/// overload lasted, answering every request meanwhile "unavailable".
struct Abandoned(Arc<AtomicBool>);

impl Drop for Abandoned {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl SqliteReader {
    /// Opens the database file the pool's connections write, which must exist.
    pub async fn open(path: PathBuf, busy_timeout: Duration, timeout: Duration) -> tokio_rusqlite::Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = tokio_rusqlite::Connection::open_with_flags(path, flags).await?;
        connection
            .call(move |connection| {
                connection.busy_timeout(busy_timeout)?;
                // A read-only connection by the file's mode would need the
                // WAL's files writable by another; this refuses writes alike.
                connection.pragma_update(None, "query_only", true)?;
                Ok(())
            })
            .await?;
        Ok(Self {
            connection,
            timeout,
            #[cfg(test)]
            statements_run: Arc::default(),
        })
    }

    /// The first row `sql` selects with `params` bound to `$1`, `$2`, ... in
    /// order, if it selects any.
    pub async fn optional_row<T>(&self, sql: &'static str, params: Vec<Param>) -> Result<Option<T>, AppError>
    where
        T: for<'r> TryFrom<&'r rusqlite::Row<'r>, Error = rusqlite::Error> + Send + 'static,
    {
        tracing::debug!(statement = sql, "read on the shared SQLite connection");
        let abandoned = Abandoned(Arc::default());
        let skip = abandoned.0.clone();
        #[cfg(test)]
        let statements_run = self.statements_run.clone();
        let answer = self.connection.call(move |connection| {
            if skip.load(Ordering::Relaxed) {
                return Ok(None);
            }
            #[cfg(test)]
            statements_run.fetch_add(1, Ordering::Relaxed);
            let mut statement = connection.prepare_cached(sql)?;
            for (position, param) in params.iter().enumerate() {
                let name = format!("${}", position + 1);
                let index = statement
                    .parameter_index(&name)?
                    .ok_or(rusqlite::Error::InvalidParameterName(name))?;
                statement.raw_bind_parameter(index, param)?;
            }
            // Dropping the rows resets the statement, which ends its read
            // transaction before the next statement runs.
            let mut rows = statement.raw_query();
            Ok(rows.next()?.map(T::try_from).transpose()?)
        });
        let answer = tokio::time::timeout(self.timeout, answer).await;
        drop(abandoned);
        match answer {
            Ok(answer) => answer.map_err(reader_error),
            Err(_) => {
                tracing::warn!("database unavailable: no answer from the SQLite reader in time");
                Err(AppError::Unavailable)
            }
        }
    }

    /// Keeps the thread busy for `pause`, as a slow statement would.
    #[cfg(test)]
    pub(super) async fn stall(&self, pause: Duration) {
        let _ = self
            .connection
            .call(move |_| {
                std::thread::sleep(pause);
                Ok(())
            })
            .await;
    }

    /// The same reader, waiting at most `timeout` for each answer.
    #[cfg(test)]
    pub(super) fn waiting_at_most(&self, timeout: Duration) -> Self {
        Self {
            timeout,
            ..self.clone()
        }
    }

    /// Stops the thread once the statements already queued have run; later
    /// reads answer "unavailable".
    pub async fn close(&self) {
        let _ = self.connection.clone().close().await;
    }
}

/// As the pool's [`super::database_error`]: a closed reader or a locked
/// database is the database being unavailable, anything else a bug.
fn reader_error(err: tokio_rusqlite::Error) -> AppError {
    let unavailable = match &err {
        tokio_rusqlite::Error::ConnectionClosed => true,
        tokio_rusqlite::Error::Rusqlite(rusqlite::Error::SqliteFailure(failure, _)) => {
            is_sqlite_busy(failure.extended_code)
        }
        _ => false,
    };
    unavailable_or_bug(&err, unavailable)
}
