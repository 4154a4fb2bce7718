//! Two-step verification's rows: the sealed TOTP secret of each user who set
//! it up, whether it is on, the newest time step a code was accepted for,
//! and the hashes of the recovery codes not yet used.

use super::{database_error, Database, Tx};
use crate::backend::clock::UnixTime;
use crate::domain::UserId;
use crate::error::AppError;
use sqlx::Connection;

/// A user's two-step verification as stored.
pub struct TwoFactorRecord {
    /// The TOTP secret, sealed (see `two_factor::codes::SecretBox`).
    pub sealed_secret: String,
    pub enabled: bool,
    /// The newest time step a code was accepted for.
    pub last_step: i64,
}

impl Database {
    pub async fn two_factor_of(&self, user_id: UserId) -> Result<Option<TwoFactorRecord>, AppError> {
        let row: Option<(String, Option<i64>, i64)> =
            sqlx::query_as("SELECT secret, enabled_at, last_step FROM two_factor WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&mut *self.connection().await?)
                .await
                .map_err(database_error)?;
        Ok(row.map(|(sealed_secret, enabled_at, last_step)| TwoFactorRecord {
            sealed_secret,
            enabled: enabled_at.is_some(),
            last_step,
        }))
    }

    /// Whether the user must give a code after a password or a provider.
    pub async fn two_factor_enabled(&self, user_id: UserId) -> Result<bool, AppError> {
        let enabled: Option<i64> = sqlx::query_scalar(TWO_FACTOR_ENABLED)
            .bind(user_id)
            .fetch_optional(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(enabled.is_some())
    }

    /// Stores a new secret waiting to be confirmed, in place of one that
    /// was waiting; `false` (nothing changes) when it is already on.
    pub async fn set_up_two_factor(&self, user_id: UserId, sealed_secret: &str) -> Result<bool, AppError> {
        // One statement: two set-ups at once both store a secret (the later
        // one stays), and neither replaces a secret that is on.
        let stored = sqlx::query(
            "INSERT INTO two_factor (user_id, secret, enabled_at, last_step) VALUES ($1, $2, NULL, 0) \
             ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = 0 \
             WHERE two_factor.enabled_at IS NULL",
        )
        .bind(user_id)
        .bind(sealed_secret)
        .execute(&mut *self.connection().await?)
        .await
        .map_err(database_error)?
        .rows_affected();
        Ok(stored == 1)
    }

    /// Turns on the secret that was waiting, exactly as it was read
    /// (`sealed_secret`), with the code of `step` spent and `code_hashes` as
    /// the recovery codes; `false` when it is no longer waiting.
    pub async fn enable_two_factor(
        &self,
        user_id: UserId,
        sealed_secret: &str,
        step: i64,
        code_hashes: &[String],
        now: UnixTime,
    ) -> Result<bool, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let enabled = sqlx::query(
            "UPDATE two_factor SET enabled_at = $3, last_step = $4 \
             WHERE user_id = $1 AND secret = $2 AND enabled_at IS NULL",
        )
        .bind(user_id)
        .bind(sealed_secret)
        .bind(now)
        .bind(step)
        .execute(&mut *tx)
        .await
        .map_err(database_error)?
        .rows_affected()
            == 1;
        if !enabled {
            return Ok(false);
        }
        replace_recovery_codes_in(&mut tx, user_id, code_hashes).await?;
        tx.commit().await.map_err(database_error)?;
        Ok(true)
    }

    /// Spends the code of `step`: `true` once, for the first request with a
    /// step newer than every step spent before, on whichever server.
    pub async fn spend_totp_step(&self, user_id: UserId, step: i64) -> Result<bool, AppError> {
        let spent = sqlx::query(
            "UPDATE two_factor SET last_step = $2 WHERE user_id = $1 AND enabled_at IS NOT NULL AND last_step < $2",
        )
        .bind(user_id)
        .bind(step)
        .execute(&mut *self.connection().await?)
        .await
        .map_err(database_error)?
        .rows_affected();
        Ok(spent == 1)
    }

    /// Spends an unused recovery code: `true` once.
    pub async fn spend_recovery_code(&self, user_id: UserId, code_hash: &str) -> Result<bool, AppError> {
        let spent = sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2")
            .bind(user_id)
            .bind(code_hash)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?
            .rows_affected();
        Ok(spent == 1)
    }

    /// A new set of recovery codes in place of the old, while two-step
    /// verification is on; `false` when it is not.
    pub async fn renew_recovery_codes(&self, user_id: UserId, code_hashes: &[String]) -> Result<bool, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        if !holds_enabled_in(&mut tx, user_id).await? {
            return Ok(false);
        }
        replace_recovery_codes_in(&mut tx, user_id, code_hashes).await?;
        tx.commit().await.map_err(database_error)?;
        Ok(true)
    }

    /// Turns two-step verification off: the secret and the recovery codes
    /// go. `false` when it was not on.
    pub async fn disable_two_factor(&self, user_id: UserId) -> Result<bool, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let was_on = holds_enabled_in(&mut tx, user_id).await?;
        remove_two_factor_in(&mut tx, user_id).await?;
        tx.commit().await.map_err(database_error)?;
        Ok(was_on)
    }

    /// How many recovery codes the user has left.
    pub async fn recovery_codes_left(&self, user_id: UserId) -> Result<i64, AppError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *self.connection().await?)
            .await
            .map_err(database_error)
    }
}

/// A row while the user `$1` has two-step verification on.
const TWO_FACTOR_ENABLED: &str = "SELECT 1 FROM two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL";

pub(super) async fn two_factor_enabled_in(tx: &mut Tx<'_>, user_id: UserId) -> Result<bool, AppError> {
    let enabled: Option<i64> = sqlx::query_scalar(TWO_FACTOR_ENABLED)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(database_error)?;
    Ok(enabled.is_some())
}

/// Whether the user has two-step verification on, asked by a write (which
/// changes nothing) so that the transaction holds the write lock from its
/// first statement: a SQLite transaction that reads before it writes fails
/// as busy when another write commits in between (two requests at once).
async fn holds_enabled_in(tx: &mut Tx<'_>, user_id: UserId) -> Result<bool, AppError> {
    let held = sqlx::query("UPDATE two_factor SET last_step = last_step WHERE user_id = $1 AND enabled_at IS NOT NULL")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(database_error)?
        .rows_affected();
    Ok(held == 1)
}

/// The secret and every recovery code of the user, gone.
pub(super) async fn remove_two_factor_in(tx: &mut Tx<'_>, user_id: UserId) -> Result<(), AppError> {
    super::run_for_user_in(
        tx,
        user_id,
        &[
            "DELETE FROM two_factor WHERE user_id = $1",
            "DELETE FROM recovery_codes WHERE user_id = $1",
        ],
    )
    .await
}

async fn replace_recovery_codes_in(tx: &mut Tx<'_>, user_id: UserId, code_hashes: &[String]) -> Result<(), AppError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map_err(database_error)?;
    for hash in code_hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut **tx)
            .await
            .map_err(database_error)?;
    }
    Ok(())
}
