//! Single-use account tokens (the links mailed for a password reset or an
//! email verification), kept only as their SHA-256.

use super::{database_error, Database, Tx};
use crate::{error::AppError, model::UserSummary};
use sqlx::Connection;

/// What a token is for: a token of one purpose never serves the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    PasswordReset,
    EmailVerification,
}

impl TokenPurpose {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password-reset",
            Self::EmailVerification => "email-verification",
        }
    }
}

impl Database {
    /// Stores a new token for the user, replacing any earlier one of the same
    /// purpose (only the latest link works), and sweeps expired tokens.
    pub async fn replace_token(
        &self,
        purpose: TokenPurpose,
        user_id: i64,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        sqlx::query("DELETE FROM account_tokens WHERE expires_at <= $1 OR (user_id = $2 AND purpose = $3)")
            .bind(now)
            .bind(user_id)
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        sqlx::query("INSERT INTO account_tokens (token_hash, purpose, user_id, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(user_id)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        tx.commit().await.map_err(database_error)
    }

    /// The user a live token belongs to, without spending it.
    pub async fn token_owner(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<UserSummary>, AppError> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT users.id, users.name FROM account_tokens JOIN users ON users.id = account_tokens.user_id \
             WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(&mut *self.connection().await?)
        .await
        .map_err(database_error)?;
        Ok(row.map(|(id, name)| UserSummary { id, name }))
    }

    /// Spends a live verification token and marks its user's email verified
    /// (at `verified_at`, RFC 3339, unless it already was); `false` when the
    /// token is not live.
    pub async fn verify_email(&self, token_hash: &str, now: i64, verified_at: &str) -> Result<bool, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let Some(user_id) = spend_token(&mut tx, TokenPurpose::EmailVerification, token_hash, now).await? else {
            return Ok(false);
        };
        sqlx::query("UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1")
            .bind(user_id)
            .bind(verified_at)
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        tx.commit().await.map_err(database_error)?;
        Ok(true)
    }
}

/// Deletes a live token, returning its user: the delete is the spending, so
/// two requests with one token cannot both succeed.
pub(super) async fn spend_token(
    tx: &mut Tx<'_>,
    purpose: TokenPurpose,
    token_hash: &str,
    now: i64,
) -> Result<Option<i64>, AppError> {
    sqlx::query_scalar(
        "DELETE FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 RETURNING user_id",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
    .map_err(database_error)
}
