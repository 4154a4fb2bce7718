//! The connections statements run on: opened on demand, up to a bound, and
//! lent to one request at a time.
//!
//! deadpool lends them rather than sqlx's own pool because of what happens
//! when a connection comes back. sqlx's pool sends every returned connection
//! a `ping` (in a task of its own) before it can be lent again; on SQLite that
//! is a round trip to the connection's thread, two thread wake-ups, as costly
//! as the request's one statement (docs/performance.md). Here a SQLite
//! connection goes back as it is: its thread runs commands in order, so the
//! rollback a dropped transaction leaves runs before the next borrower's
//! statement, and an open file cannot drop away as a socket can. A PostgreSQL
//! connection is pinged before it is lent again, which finds those a database
//! restart has cut.

use super::Backend;
use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use sqlx::{any::AnyConnectOptions, AnyConnection, ConnectOptions, Connection, Executor};
use std::time::Duration;

/// Opens connections of one backend and decides whether a returned one may
/// be lent again.
pub(super) struct Connector {
    pub options: AnyConnectOptions,
    pub backend: Backend,
    /// How long a SQLite write waits for the lock.
    pub busy_timeout: Duration,
}

pub(super) type Pool = managed::Pool<Connector>;
pub(super) type PooledConnection = managed::Object<Connector>;

impl managed::Manager for Connector {
    type Type = AnyConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<AnyConnection, sqlx::Error> {
        let mut connection = self.options.connect().await?;
        if self.backend == Backend::Sqlite {
            // WAL lets readers run while one writer commits; the busy timeout
            // makes concurrent writers wait instead of failing.
            connection
                .execute(
                    format!(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON;",
                        self.busy_timeout.as_millis()
                    )
                    .as_str(),
                )
                .await?;
        }
        Ok(connection)
    }

    async fn recycle(&self, connection: &mut AnyConnection, _: &Metrics) -> RecycleResult<sqlx::Error> {
        match self.backend {
            Backend::Sqlite => Ok(()),
            Backend::Postgres => connection.ping().await.map_err(RecycleError::Backend),
        }
    }
}
