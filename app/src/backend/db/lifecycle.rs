//! An account's life past sign-in: disabled and enabled again by an
//! operator, every session ended, deleted.

use super::{database_error, Database};
use crate::backend::clock::UnixTime;
use crate::domain::UserId;
use crate::error::AppError;
use sqlx::Connection;

impl Database {
    /// Whether an operator has disabled the account (`false` for one gone).
    pub async fn account_disabled(&self, user_id: UserId) -> Result<bool, AppError> {
        let disabled_at: Option<Option<i64>> = sqlx::query_scalar("SELECT disabled_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(disabled_at.flatten().is_some())
    }

    /// Disables the account as of `now` and ends its sessions, in one
    /// transaction: the number of sessions ended. A session stored by a
    /// sign-in that raced it is refused by the per-request check anyway.
    pub async fn disable_account(&self, user_id: UserId, now: UnixTime) -> Result<u64, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        sqlx::query("UPDATE users SET disabled_at = COALESCE(disabled_at, $2) WHERE id = $1")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        tx.commit().await.map_err(database_error)?;
        Ok(ended.rows_affected())
    }

    /// Lets a disabled account sign in again; `false` when it was not disabled.
    pub async fn enable_account(&self, user_id: UserId) -> Result<bool, AppError> {
        let enabled = sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL")
            .bind(user_id)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(enabled.rows_affected() == 1)
    }

    /// Ends every session of `user_id`, or of everyone with `None`: how
    /// many ended.
    pub async fn end_sessions_of(&self, user_id: Option<UserId>) -> Result<u64, AppError> {
        let query = match user_id {
            Some(user_id) => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id),
            None => sqlx::query("DELETE FROM sessions"),
        };
        let ended = query
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(ended.rows_affected())
    }

    /// Deletes the account: its sessions, passkeys, identities, tokens and
    /// two-step records go with it (each references the user `ON DELETE
    /// CASCADE`). `false` when it was already gone.
    pub async fn delete_account(&self, user_id: UserId) -> Result<bool, AppError> {
        let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(deleted.rows_affected() == 1)
    }
}
