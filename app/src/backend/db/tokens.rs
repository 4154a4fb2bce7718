//! Single-use account tokens (the links mailed for a password reset or an
//! email verification), kept only as their SHA-256.

use super::{database_error, Database, Tx};
use crate::backend::clock::UnixTime;
use crate::domain::UserId;
use crate::{error::AppError, model::UserSummary};
use sqlx::Connection;

/// What a token is for: a token of one purpose never serves the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    PasswordReset,
    EmailVerification,
    /// Makes the address the token names the account's login.
    EmailChange,
    /// Brings back the address the token names, after a change its owner
    /// did not make.
    UndoEmailChange,
}

impl TokenPurpose {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password-reset",
            Self::EmailVerification => "email-verification",
            Self::EmailChange => "email-change",
            Self::UndoEmailChange => "undo-email-change",
        }
    }

    /// How many earlier links of this purpose a new one leaves working. A
    /// reset link asked for by a stranger must not void the one the owner
    /// is about to use; a verification link has nothing to protect.
    fn earlier_links_kept(self) -> i64 {
        match self {
            Self::PasswordReset | Self::UndoEmailChange => 4,
            Self::EmailVerification | Self::EmailChange => 0,
        }
    }
}

impl Database {
    /// Stores a new token for the user beside at most
    /// [`TokenPurpose::earlier_links_kept`] earlier ones of the same purpose
    /// (the newest), and sweeps expired tokens.
    pub async fn store_token(&self, token: &NewToken<'_>, now: UnixTime) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        store_token_in(&mut tx, token, now).await?;
        tx.commit().await.map_err(database_error)
    }

    /// The user of a live token, leaving it live: what a new password is
    /// screened against before the token is spent on it.
    pub async fn token_owner(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<Option<UserId>, AppError> {
        sqlx::query_scalar(
            "SELECT user_id FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(&mut *self.connection().await?)
        .await
        .map_err(database_error)
    }

    /// Spends a live token: the user it belonged to, or `None` for a token
    /// that is not live. Spent before any work it pays for (a password's
    /// bcrypt), so a burst of requests with one token does that work once.
    pub async fn spend(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: UnixTime,
    ) -> Result<Option<UserSummary>, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let Some(user_id) = spend_token(&mut tx, purpose, token_hash, now).await? else {
            return Ok(None);
        };
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(database_error)?;
        tx.commit().await.map_err(database_error)?;
        Ok(name.map(|name| UserSummary { id: user_id, name }))
    }

    /// Spends a live verification token and marks its user's email verified
    /// (at `now`, unless it already was); `false` when the token is not live.
    /// When the link is followed in a session of that very user
    /// (`session_user`), the one who holds the account's ways in also holds
    /// the address: the account is claimed (see the account security
    /// migration).
    pub async fn verify_email(
        &self,
        token_hash: &str,
        now: UnixTime,
        session_user: Option<UserId>,
    ) -> Result<bool, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let Some(user_id) = spend_token(&mut tx, TokenPurpose::EmailVerification, token_hash, now).await? else {
            return Ok(false);
        };
        let claimed_at = (session_user == Some(user_id)).then_some(now);
        sqlx::query(
            "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2), \
             claimed_at = COALESCE(claimed_at, $3) WHERE id = $1",
        )
        .bind(user_id)
        .bind(now)
        .bind(claimed_at)
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
    now: UnixTime,
) -> Result<Option<UserId>, AppError> {
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

/// A token about to be stored.
pub struct NewToken<'a> {
    pub purpose: TokenPurpose,
    pub user_id: UserId,
    pub token_hash: &'a str,
    /// The address it is about ([`TokenPurpose::EmailChange`] and its undo).
    pub email: Option<&'a str>,
    pub expires_at: UnixTime,
}

/// [`Database::store_token`] within `tx`.
pub(super) async fn store_token_in(tx: &mut Tx<'_>, token: &NewToken<'_>, now: UnixTime) -> Result<(), AppError> {
    sqlx::query("DELETE FROM account_tokens WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(database_error)?;
    sqlx::query(
        "DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND token_hash NOT IN \
         (SELECT token_hash FROM account_tokens WHERE user_id = $1 AND purpose = $2 \
          ORDER BY expires_at DESC, token_hash LIMIT $3)",
    )
    .bind(token.user_id)
    .bind(token.purpose.as_str())
    .bind(token.purpose.earlier_links_kept())
    .execute(&mut **tx)
    .await
    .map_err(database_error)?;
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, purpose, user_id, expires_at, email) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token.token_hash)
    .bind(token.purpose.as_str())
    .bind(token.user_id)
    .bind(token.expires_at)
    .bind(token.email)
    .execute(&mut **tx)
    .await
    .map_err(database_error)?;
    Ok(())
}
