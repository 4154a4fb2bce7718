//! Ceremonies (see `backend::ceremony`): exchanges waiting between requests.

use super::{database_error, Database};
use crate::error::AppError;

impl Database {
    /// Stores a ceremony's state until `expires_at`, sweeping every expired one.
    pub async fn insert_ceremony(
        &self,
        id_hash: &str,
        purpose: &str,
        user_id: Option<i64>,
        state: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        sqlx::query("DELETE FROM ceremonies WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *connection)
            .await
            .map_err(database_error)?;
        sqlx::query(
            "INSERT INTO ceremonies (id_hash, purpose, user_id, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(purpose)
        .bind(user_id)
        .bind(state)
        .bind(expires_at)
        .execute(&mut *connection)
        .await
        .map_err(database_error)?;
        Ok(())
    }

    /// Deletes a live ceremony of `purpose`, returning its user and state: the
    /// delete is the spending, so two answers to one challenge cannot both
    /// be checked against it.
    pub async fn take_ceremony(
        &self,
        id_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<(Option<i64>, String)>, AppError> {
        sqlx::query_as(
            "DELETE FROM ceremonies WHERE id_hash = $1 AND purpose = $2 AND expires_at > $3 \
             RETURNING user_id, state",
        )
        .bind(id_hash)
        .bind(purpose)
        .bind(now)
        .fetch_optional(&mut *self.connection().await?)
        .await
        .map_err(database_error)
    }
}
