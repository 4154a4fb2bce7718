//! The `note` column of `users` (migrations/*/20261207000000_user_note.sql).

use super::{database_error, Database};
use crate::{domain::UserId, error::AppError};

impl Database {
    pub async fn note_of(&self, user: UserId) -> Result<String, AppError> {
        sqlx::query_scalar("SELECT note FROM users WHERE id = $1")
            .bind(user)
            .fetch_one(&mut *self.connection().await?)
            .await
            .map_err(database_error)
    }

    pub async fn set_note(&self, user: UserId, note: &str) -> Result<(), AppError> {
        sqlx::query("UPDATE users SET note = $2 WHERE id = $1")
            .bind(user)
            .bind(note)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(())
    }
}
