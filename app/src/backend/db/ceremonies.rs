//! Ceremonies (see `backend::ceremony`): exchanges waiting between requests.

use super::{database_error, Database};
use crate::backend::clock::UnixTime;
use crate::domain::UserId;
use crate::error::AppError;

impl Database {
    /// Stores a ceremony's state until `expires_at`, sweeping every expired
    /// one and all but the newest `LIVE_PER_NETWORK` of `network`'s.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_ceremony(
        &self,
        id_hash: &str,
        purpose: &str,
        user_id: Option<UserId>,
        state: &str,
        network: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        sqlx::query("DELETE FROM ceremonies WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *connection)
            .await
            .map_err(database_error)?;
        sqlx::query(
            "INSERT INTO ceremonies (id_hash, purpose, user_id, state, network, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_hash)
        .bind(purpose)
        .bind(user_id)
        .bind(state)
        .bind(network)
        .bind(expires_at)
        .execute(&mut *connection)
        .await
        .map_err(database_error)?;
        // The new one stays whatever else ties with it on its expiry.
        sqlx::query(
            "DELETE FROM ceremonies WHERE network = $1 AND id_hash <> $2 AND id_hash NOT IN \
             (SELECT id_hash FROM ceremonies WHERE network = $1 AND id_hash <> $2 \
              ORDER BY expires_at DESC, id_hash LIMIT $3)",
        )
        .bind(network)
        .bind(id_hash)
        .bind(crate::backend::ceremony::LIVE_PER_NETWORK - 1)
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
        now: UnixTime,
    ) -> Result<Option<(Option<UserId>, String)>, AppError> {
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
