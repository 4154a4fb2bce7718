//! Session records: one row per live session, named by the id its sealed
//! cookie carries.

use super::{database_error, Database, Tx};
use crate::backend::clock::UnixTime;
use crate::domain::UserId;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Connection};

/// A session's id: random, sealed in its cookie, naming its record. It is
/// part of the cookie's server-only section, so it never reaches a browser:
/// the account page's list and `DELETE /api/account/sessions/{id}` name a
/// session by its [`SessionId::listed`] handle instead.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct SessionId(String);

impl SessionId {
    pub fn random() -> Self {
        Self(crate::backend::random_id())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name the session is listed by: a hash of the id, of the id's own
    /// form, from which the id cannot be learned. With the id, whoever knows
    /// `SESSION_PASSWORD` could seal a cookie for that session; a script on
    /// the page could collect them all.
    pub fn listed(&self) -> String {
        crate::backend::sha256_hex(&format!("listed session {}", self.0))[..32].to_owned()
    }
}

/// A session as stored. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    /// The absolute expiry.
    pub expires_at: UnixTime,
    pub user_agent: String,
    pub address: String,
}

/// What the per-request check learns about a valid session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStanding {
    pub last_seen_at: UnixTime,
    pub email_verified: bool,
    /// Whether the user has two-step verification on.
    pub two_factor: bool,
}

/// The columns [`session_standing_query`] selects: `last_seen_at`,
/// `email_verified_at`, `two_factor_enabled_at`.
pub(super) type StandingRow = (UnixTime, Option<UnixTime>, Option<UnixTime>);

impl SessionStanding {
    pub(super) fn from_row((last_seen_at, email_verified_at, two_factor_enabled_at): StandingRow) -> Self {
        Self {
            last_seen_at,
            email_verified: email_verified_at.is_some(),
            two_factor: two_factor_enabled_at.is_some(),
        }
    }
}

/// The per-request session check, as a literal so that a query which makes
/// it together with its own work can `concat!` it: `$1` the session id, `$2`
/// its user, `$3` now; a [`StandingRow`] only while the session is valid.
/// The two-step record is a third primary-key lookup, not a second statement.
/// A disabled account has no valid session, whatever was stored meanwhile.
macro_rules! session_standing_query {
    () => {
        "SELECT sessions.last_seen_at, users.email_verified_at, two_factor.enabled_at AS two_factor_enabled_at \
         FROM sessions JOIN users ON users.id = sessions.user_id \
         LEFT JOIN two_factor ON two_factor.user_id = users.id \
         WHERE sessions.id = $1 AND sessions.user_id = $2 AND sessions.expires_at > $3 \
         AND users.disabled_at IS NULL"
    };
}
pub(super) use session_standing_query;

const INSERT_SESSION: &str =
    "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, user_agent, address) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

impl Database {
    /// The check made on every request with a valid cookie: one statement, a
    /// primary-key lookup in `sessions` and one in `users`. `None` when the
    /// session was ended, has expired or its user is gone. On SQLite it is
    /// read on the shared reader (`reader.rs`).
    pub async fn session_standing(
        &self,
        user_id: UserId,
        session_id: &SessionId,
        now: UnixTime,
    ) -> Result<Option<SessionStanding>, AppError> {
        let params = vec![session_id.into(), user_id.into(), now.into()];
        let row: Option<StandingRow> = self.hot_row(session_standing_query!(), params).await?;
        Ok(row.map(SessionStanding::from_row))
    }

    pub async fn touch_session(&self, session_id: &SessionId, now: UnixTime) -> Result<(), AppError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
            .bind(session_id)
            .bind(now)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    /// Stores a new session beside the user's others, sweeping every
    /// session past its absolute expiry by `now` and, in the same statement,
    /// the session `held` (its user and id) that the browser signing in
    /// held until now, whoever's it was: a new session ends the one it
    /// replaces in that browser.
    pub async fn insert_session(
        &self,
        record: &SessionRecord,
        held: Option<(UserId, &SessionId)>,
        now: UnixTime,
    ) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let sweep = match held {
            Some((user_id, id)) => {
                sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR (id = $2 AND user_id = $3)")
                    .bind(now)
                    .bind(id)
                    .bind(user_id)
            }
            None => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now),
        };
        sweep.execute(&mut *connection).await.map_err(database_error)?;
        bind_record(sqlx::query(INSERT_SESSION), record)
            .execute(&mut *connection)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    /// Ends every session of the record's user and stores the record as the
    /// only one, in one transaction; refused as [`AppError::Unauthorized`],
    /// with nothing changed, when the session `replaced` has ended meanwhile.
    pub async fn replace_sessions(&self, replaced: &SessionId, record: &SessionRecord) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        replace_sessions_in(&mut tx, Some(replaced), record).await?;
        tx.commit().await.map_err(database_error)
    }

    /// Stores `record` in place of the session `replaced` of the same user
    /// (a new id after a re-authentication); refused as
    /// [`AppError::Unauthorized`], with nothing stored, when `replaced` has
    /// ended meanwhile.
    pub async fn rotate_session(&self, replaced: &SessionId, record: &SessionRecord) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        end_replaced_in(&mut tx, replaced, record.user_id).await?;
        bind_record(sqlx::query(INSERT_SESSION), record)
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        tx.commit().await.map_err(database_error)
    }

    /// The user's sessions that have not expired by `now`, newest first.
    pub async fn sessions_of(&self, user_id: UserId, now: UnixTime) -> Result<Vec<SessionRecord>, AppError> {
        let rows: Vec<(SessionId, UnixTime, UnixTime, UnixTime, String, String)> = sqlx::query_as(
            "SELECT id, created_at, last_seen_at, expires_at, user_agent, address FROM sessions \
             WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(&mut *self.connection().await?)
        .await
        .map_err(database_error)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, created_at, last_seen_at, expires_at, user_agent, address)| SessionRecord {
                    id,
                    user_id,
                    created_at,
                    last_seen_at,
                    expires_at,
                    user_agent,
                    address,
                },
            )
            .collect())
    }

    /// Ends one session of the user; `false` when the user has none by that id.
    pub async fn end_session(&self, user_id: UserId, session_id: &SessionId) -> Result<bool, AppError> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(session_id)
            .bind(user_id)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(deleted.rows_affected() > 0)
    }
}

/// Ends the session `replaced` of `user_id` first, so that a session ended
/// by a concurrent request (the owner's password change, say) cannot live on
/// in a successor: [`AppError::Unauthorized`] when it was already gone. Its
/// delete also locks the row (PostgreSQL) or the database (SQLite) until the
/// transaction ends.
pub(super) async fn end_replaced_in(tx: &mut Tx<'_>, replaced: &SessionId, user_id: UserId) -> Result<(), AppError> {
    on_live_session_in(
        tx,
        "DELETE FROM sessions WHERE id = $1 AND user_id = $2",
        replaced,
        user_id,
    )
    .await
}

/// Makes sure the session `session_id` of `user_id` is live, and holds it so
/// until the transaction ends: a write to its row locks it (PostgreSQL) or
/// the database (SQLite), so a concurrent end of it waits for the commit
/// and then ends whatever the transaction made with it. Otherwise
/// [`AppError::Unauthorized`].
pub(super) async fn hold_session_in(tx: &mut Tx<'_>, session_id: &SessionId, user_id: UserId) -> Result<(), AppError> {
    let hold = "UPDATE sessions SET last_seen_at = last_seen_at WHERE id = $1 AND user_id = $2";
    on_live_session_in(tx, hold, session_id, user_id).await
}

/// Runs `statement` on the row of the session `session_id` of `user_id`
/// (`$1`, `$2`): [`AppError::Unauthorized`] when there is none.
async fn on_live_session_in(
    tx: &mut Tx<'_>,
    statement: &str,
    session_id: &SessionId,
    user_id: UserId,
) -> Result<(), AppError> {
    let touched = sqlx::query(statement)
        .bind(session_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(database_error)?;
    match touched.rows_affected() {
        0 => Err(AppError::Unauthorized),
        _ => Ok(()),
    }
}

/// [`Database::replace_sessions`] inside a larger transaction; with no
/// session `replaced` (a password reset, from a browser without one) the
/// record simply becomes the user's only session.
pub(super) async fn replace_sessions_in(
    tx: &mut Tx<'_>,
    replaced: Option<&SessionId>,
    record: &SessionRecord,
) -> Result<(), AppError> {
    if let Some(replaced) = replaced {
        end_replaced_in(tx, replaced, record.user_id).await?;
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(record.user_id)
        .execute(&mut **tx)
        .await
        .map_err(database_error)?;
    bind_record(sqlx::query(INSERT_SESSION), record)
        .execute(&mut **tx)
        .await
        .map_err(database_error)?;
    Ok(())
}

fn bind_record<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    record: &'q SessionRecord,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&record.id)
        .bind(record.user_id)
        .bind(record.created_at)
        .bind(record.last_seen_at)
        .bind(record.expires_at)
        .bind(&record.user_agent)
        .bind(&record.address)
}
