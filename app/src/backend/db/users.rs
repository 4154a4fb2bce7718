//! Accounts: creating them, finding them, their passwords.

use super::{
    database_error,
    session_records::{replace_sessions_in, session_standing_query, SessionStanding},
    tokens::TokenPurpose,
    Backend, Database, SessionRecord, Tx,
};
use crate::backend::clock::UnixTime;
use crate::backend::db::SessionId;
use crate::domain::UserId;
use crate::{
    backend::clock::rfc3339_of,
    domain::{Cursor, PageRequest},
    error::AppError,
    model::{UserProfile, UserSummary},
};
use sqlx::Connection;

/// What a password reset led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordReset {
    /// The new session was stored: the browser may have it.
    SignedIn,
    /// Two-step verification is on: no session was stored, a code is due.
    SecondStepDue,
}

/// What login needs to know about an account.
pub struct Credentials {
    pub user: UserSummary,
    /// Normalised.
    pub email: String,
    /// `None` for an account made with a passkey that has not set a password.
    pub password_hash: Option<String>,
}

/// The statement that reads [`Credentials`] of the user `condition` finds.
macro_rules! credentials_where {
    ($condition:literal) => {
        concat!("SELECT id, name, email, password_hash FROM users WHERE ", $condition)
    };
}

impl Database {
    /// Sets the first password of an account that has none, as
    /// [`Database::change_password`] does; `false`, with nothing changed,
    /// when the account has a password by now.
    pub async fn set_first_password(
        &self,
        password_hash: &str,
        replaced: &SessionId,
        session: &SessionRecord,
    ) -> Result<bool, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let set = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash IS NULL")
            .bind(session.user_id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        if set.rows_affected() != 1 {
            return Ok(false);
        }
        after_password_set_in(&mut tx, Some(replaced), session).await?;
        tx.commit().await.map_err(database_error)?;
        Ok(true)
    }

    /// Stores a new account; a taken email is [`AppError::EmailTaken`].
    pub async fn insert_user(
        &self,
        name: &str,
        email: &str,
        password_hash: &str,
        created_at: UnixTime,
    ) -> Result<UserSummary, AppError> {
        let id: UserId = sqlx::query_scalar(
            "INSERT INTO users (name, email, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(email)
        .bind(password_hash)
        .bind(created_at)
        .fetch_one(&mut *self.connection().await?)
        .await
        .map_err(email_taken_or_database_error)?;
        Ok(UserSummary {
            id,
            name: name.to_owned(),
        })
    }

    pub async fn find_credentials(&self, email: &str) -> Result<Option<Credentials>, AppError> {
        self.credentials_where(credentials_where!("email = $1"), email).await
    }

    /// [`Database::find_credentials`] by the user's id: what a sign-in that
    /// began earlier checks it still holds for.
    pub async fn credentials_of(&self, user_id: UserId) -> Result<Option<Credentials>, AppError> {
        self.credentials_where(credentials_where!("id = $1"), user_id).await
    }

    async fn credentials_where<'q, K>(&self, sql: &'q str, key: K) -> Result<Option<Credentials>, AppError>
    where
        K: 'q + Send + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        let row: Option<(UserId, String, String, Option<String>)> = sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(row.map(|(id, name, email, password_hash)| Credentials {
            user: UserSummary { id, name },
            email,
            password_hash,
        }))
    }

    /// The stored password hash of a user; `None` when the user is gone or
    /// has no password.
    pub async fn password_hash(&self, user_id: UserId) -> Result<Option<String>, AppError> {
        let hash: Option<Option<String>> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(hash.flatten())
    }

    /// Replaces the stored hash of the same password (a rehash at a new cost),
    /// only if it is still `old_hash`: a password changed meanwhile stays changed.
    pub async fn replace_password_hash(
        &self,
        user_id: UserId,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, AppError> {
        let updated = sqlx::query("UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2")
            .bind(user_id)
            .bind(old_hash)
            .bind(new_hash)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(updated.rows_affected() == 1)
    }

    /// Where the user's mail goes; `None` when the user no longer exists.
    pub async fn email_of(&self, user_id: UserId) -> Result<Option<String>, AppError> {
        Ok(self.email_state(user_id).await?.map(|(email, _)| email))
    }

    /// The user's email and whether it is verified.
    pub async fn email_state(&self, user_id: UserId) -> Result<Option<(String, bool)>, AppError> {
        let row: Option<(String, Option<i64>)> =
            sqlx::query_as("SELECT email, email_verified_at FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *self.connection().await?)
                .await
                .map_err(database_error)?;
        Ok(row.map(|(email, verified_at)| (email, verified_at.is_some())))
    }

    /// The id of the account with this (normalised) email.
    pub async fn user_id_by_email(&self, email: &str) -> Result<Option<UserId>, AppError> {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut *self.connection().await?)
            .await
            .map_err(database_error)
    }

    /// Sets the password of `session`'s user after a reset link proved the
    /// address (its token already spent), as [`Database::change_password`]
    /// does, and marks the email verified. When the account was not
    /// `claimed` (see the account security migration) the address's owner
    /// takes it over: every passkey and linked identity goes too, since
    /// whoever made them never proved the address. The session `held` (its
    /// user and id) that the browser held until now ends as `session`
    /// starts, as at any sign-in (see [`Database::insert_session`]). `None`,
    /// with nothing changed, when the user is gone.
    pub async fn reset_password(
        &self,
        password_hash: &str,
        session: &SessionRecord,
        held: Option<(UserId, &SessionId)>,
        now: UnixTime,
    ) -> Result<Option<PasswordReset>, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let Some(claimed) = verify_address_in(&mut tx, session.user_id, now).await? else {
            return Ok(None);
        };
        if claimed.is_none() {
            remove_unproved_methods_in(&mut tx, session.user_id, now).await?;
        }
        set_password_in(&mut tx, password_hash, None, session).await?;
        // With two-step verification on, the new password alone signs no
        // one in: `session` goes with the others, and a code must follow.
        let second_step_due = super::two_factor::two_factor_enabled_in(&mut tx, session.user_id).await?;
        if second_step_due {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(session.user_id)
                .execute(&mut *tx)
                .await
                .map_err(database_error)?;
        } else if let Some((user_id, id)) = held.filter(|(user_id, _)| *user_id != session.user_id) {
            // A session of the reset account's own went with the others.
            sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(database_error)?;
        }
        tx.commit().await.map_err(database_error)?;
        Ok(Some(match second_step_due {
            true => PasswordReset::SecondStepDue,
            false => PasswordReset::SignedIn,
        }))
    }

    /// Replaces the password; every session of the user ends but `session`,
    /// stored as the only one in place of `replaced` (refused as
    /// [`AppError::Unauthorized`] when that ended meanwhile), and every reset
    /// link sent before is void.
    pub async fn change_password(
        &self,
        password_hash: &str,
        replaced: &SessionId,
        session: &SessionRecord,
    ) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        set_password_in(&mut tx, password_hash, Some(replaced), session).await?;
        tx.commit().await.map_err(database_error)
    }

    /// One page of users in id order, next to `page`'s cursor, read in the
    /// same statement as the check of the session asking for it (see
    /// [`Database::session_standing`]), and as one row: each statement and
    /// each row is a hand-off between the request and the database, most of
    /// what this request costs (`docs/performance.md`), and this is the most
    /// requested page. On SQLite it is read on the shared reader
    /// (`reader.rs`). `None` and no users when the session is not valid.
    pub async fn users_page_for_session(
        &self,
        user_id: UserId,
        session_id: &SessionId,
        now: UnixTime,
        page: PageRequest,
    ) -> Result<(Option<SessionStanding>, Vec<UserSummary>), AppError> {
        // The session's standing and the page as a JSON array, built by each
        // backend's own aggregate; no row when the session is not valid.
        macro_rules! beside_standing {
            ($aggregate:expr, $users:expr) => {
                concat!(
                    "SELECT standing.last_seen_at, standing.email_verified_at, standing.two_factor_enabled_at, (",
                    $aggregate,
                    " FROM (",
                    $users,
                    ") AS page) AS page FROM (",
                    session_standing_query!(),
                    ") AS standing"
                )
            };
        }
        macro_rules! sqlite_array {
            () => {
                "SELECT json_group_array(json_object('id', id, 'name', name) ORDER BY id)"
            };
        }
        macro_rules! postgres_array {
            () => {
                "SELECT COALESCE(json_agg(json_build_object('id', id, 'name', name) ORDER BY id), '[]')::text"
            };
        }
        macro_rules! users_after {
            () => {
                "SELECT id, name FROM users WHERE id > $4 ORDER BY id LIMIT $5"
            };
        }
        // The nearest users below the cursor, which the aggregate puts back
        // in id order.
        macro_rules! users_before {
            () => {
                "SELECT id, name FROM users WHERE id < $4 ORDER BY id DESC LIMIT $5"
            };
        }
        let sql = match (self.backend, page.cursor) {
            (Backend::Sqlite, Cursor::After(_)) => beside_standing!(sqlite_array!(), users_after!()),
            (Backend::Sqlite, Cursor::Before(_)) => beside_standing!(sqlite_array!(), users_before!()),
            (Backend::Postgres, Cursor::After(_)) => beside_standing!(postgres_array!(), users_after!()),
            (Backend::Postgres, Cursor::Before(_)) => beside_standing!(postgres_array!(), users_before!()),
        };
        let (Cursor::After(cursor) | Cursor::Before(cursor)) = page.cursor;
        let params = vec![
            session_id.into(),
            user_id.into(),
            now.into(),
            cursor.into(),
            page.limit.into(),
        ];
        let row: Option<(UnixTime, Option<UnixTime>, Option<UnixTime>, String)> = self.hot_row(sql, params).await?;
        let Some((last_seen_at, email_verified_at, two_factor_enabled_at, users)) = row else {
            return Ok((None, Vec::new()));
        };
        let users = serde_json::from_str(&users).map_err(|err| {
            tracing::error!(error = %err, "the database sent a page of users that is not a JSON list of users");
            AppError::Internal
        })?;
        let standing = SessionStanding::from_row((last_seen_at, email_verified_at, two_factor_enabled_at));
        Ok((Some(standing), users))
    }

    pub async fn find_user(&self, id: UserId) -> Result<Option<UserProfile>, AppError> {
        let row: Option<(UserId, String, UnixTime)> =
            sqlx::query_as("SELECT id, name, created_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.connection().await?)
                .await
                .map_err(database_error)?;
        Ok(row.map(|(id, name, created_at)| UserProfile {
            id,
            name,
            created_at: rfc3339_of(created_at),
        }))
    }
}

/// The `password` column as a hash, if the account has a password: one
/// made with a passkey stores '' until it sets one (see the passkeys
/// migration), which no bcrypt hash is.
async fn set_password_in(
    tx: &mut Tx<'_>,
    password_hash: &str,
    replaced: Option<&SessionId>,
    session: &SessionRecord,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(session.user_id)
        .bind(password_hash)
        .execute(&mut **tx)
        .await
        .map_err(database_error)?;
    after_password_set_in(tx, replaced, session).await
}

/// Marks the user's email verified as of `now` (unless it already was): its
/// owner has just proved it. The account's `claimed_at`, or `None` when the
/// user is gone.
pub(super) async fn verify_address_in(
    tx: &mut Tx<'_>,
    user_id: UserId,
    now: UnixTime,
) -> Result<Option<Option<i64>>, AppError> {
    sqlx::query_scalar(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1 RETURNING claimed_at",
    )
    .bind(user_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
    .map_err(database_error)
}

/// The address's owner takes over an account they did not make (or whose
/// ways in they never proved were theirs): its password, passkeys, linked
/// identities and two-step verification go, and it is claimed from `now` on. The caller then
/// gives it the owner's own way in and ends its sessions.
pub(super) async fn remove_unproved_methods_in(
    tx: &mut Tx<'_>,
    user_id: UserId,
    now: UnixTime,
) -> Result<(), AppError> {
    super::run_for_user_in(
        tx,
        user_id,
        &[
            "DELETE FROM passkeys WHERE user_id = $1",
            "DELETE FROM identities WHERE user_id = $1",
            "DELETE FROM ceremonies WHERE user_id = $1",
        ],
    )
    .await?;
    // Two-step verification the other party turned on would lock the owner out.
    super::two_factor::remove_two_factor_in(tx, user_id).await?;
    sqlx::query("UPDATE users SET password_hash = NULL, passkey_user_handle = NULL, claimed_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(database_error)?;
    Ok(())
}

/// An account without a password, made with a passkey or at an identity
/// provider. Times are Unix seconds.
pub(super) struct PasswordlessUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub created_at: UnixTime,
    /// Set when it is made with a passkey.
    pub passkey_user_handle: Option<&'a str>,
    /// Set when its email is verified from the start.
    pub email_verified_at: Option<UnixTime>,
    /// Set (Unix seconds) when its maker proved the address at making it.
    pub claimed_at: Option<UnixTime>,
}

/// Inserts `user`, returning its id; a taken email is [`AppError::EmailTaken`].
pub(super) async fn insert_passwordless_user_in(
    tx: &mut Tx<'_>,
    user: &PasswordlessUser<'_>,
) -> Result<UserId, AppError> {
    sqlx::query_scalar(
        "INSERT INTO users (name, email, created_at, passkey_user_handle, email_verified_at, claimed_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user.name)
    .bind(user.email)
    .bind(user.created_at)
    .bind(user.passkey_user_handle)
    .bind(user.email_verified_at)
    .bind(user.claimed_at)
    .fetch_one(&mut **tx)
    .await
    .map_err(email_taken_or_database_error)
}

/// A unique violation on inserting a user is its email, taken.
pub(super) fn email_taken_or_database_error(err: sqlx::Error) -> AppError {
    match err.as_database_error() {
        Some(db_err) if db_err.is_unique_violation() => AppError::EmailTaken,
        _ => database_error(err),
    }
}

/// What every new password brings: reset links sent before are void, and
/// every session of the user ends but `session`, stored as the only one (in
/// place of `replaced`, see `replace_sessions_in`).
pub(super) async fn after_password_set_in(
    tx: &mut Tx<'_>,
    replaced: Option<&SessionId>,
    session: &SessionRecord,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2")
        .bind(session.user_id)
        .bind(TokenPurpose::PasswordReset.as_str())
        .execute(&mut **tx)
        .await
        .map_err(database_error)?;
    replace_sessions_in(tx, replaced, session).await
}
