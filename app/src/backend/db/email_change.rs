//! Changing an account's address, and undoing the change: each one
//! transaction that spends its token.

use super::{
    database_error, run_for_user_in,
    tokens::{store_token_in, NewToken, TokenPurpose},
    users::{email_taken_or_database_error, remove_unproved_methods_in},
    Database, Tx,
};
use crate::backend::clock::UnixTime;
use crate::domain::UserId;
use crate::error::AppError;
use sqlx::Connection;

/// An address that changed: whose, from what, to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChanged {
    pub user_id: UserId,
    pub old_email: String,
    pub new_email: String,
}

impl Database {
    /// Spends a live change token: the address it names becomes the
    /// account's, verified as of `now`; every other link of the account
    /// (resets, verification, other changes) is void, except the undo links
    /// of earlier changes; the undo token `undo_hash` is stored, naming the
    /// old address. `None`
    /// when the token is not live; [`AppError::EmailTaken`] when another
    /// account took the address meanwhile (the token is then spent).
    pub async fn change_email(
        &self,
        token_hash: &str,
        now: UnixTime,
        undo_hash: &str,
        undo_expires_at: UnixTime,
    ) -> Result<Option<EmailChanged>, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let Some((user_id, new_email)) = spend_email_token(&mut tx, TokenPurpose::EmailChange, token_hash, now).await?
        else {
            return Ok(None);
        };
        let old_email = set_email_in(&mut tx, user_id, &new_email, now).await?;
        sqlx::query("DELETE FROM account_tokens WHERE user_id = $1 AND purpose <> $2")
            .bind(user_id)
            .bind(TokenPurpose::UndoEmailChange.as_str())
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        let undo = NewToken {
            purpose: TokenPurpose::UndoEmailChange,
            user_id,
            token_hash: undo_hash,
            email: Some(&old_email),
            expires_at: undo_expires_at,
        };
        store_token_in(&mut tx, &undo, now).await?;
        tx.commit().await.map_err(database_error)?;
        Ok(Some(EmailChanged {
            user_id,
            old_email,
            new_email,
        }))
    }

    /// Spends a live undo token: the address it names is the account's
    /// again, verified and claimed, and everything the other party may have
    /// set up goes: the password, passkeys, identities, two-step
    /// verification, every session and every link. The owner then sets a
    /// new password from a reset link. `None` when the token is not live.
    pub async fn undo_email_change(&self, token_hash: &str, now: UnixTime) -> Result<Option<EmailChanged>, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let Some((user_id, old_email)) =
            spend_email_token(&mut tx, TokenPurpose::UndoEmailChange, token_hash, now).await?
        else {
            return Ok(None);
        };
        let changed_to = set_email_in(&mut tx, user_id, &old_email, now).await?;
        remove_unproved_methods_in(&mut tx, user_id, now).await?;
        run_for_user_in(
            &mut tx,
            user_id,
            &[
                "DELETE FROM account_tokens WHERE user_id = $1",
                "DELETE FROM sessions WHERE user_id = $1",
            ],
        )
        .await?;
        tx.commit().await.map_err(database_error)?;
        Ok(Some(EmailChanged {
            user_id,
            old_email: changed_to,
            new_email: old_email,
        }))
    }
}

/// Deletes a live token of `purpose`, returning its user and its address.
async fn spend_email_token(
    tx: &mut Tx<'_>,
    purpose: TokenPurpose,
    token_hash: &str,
    now: UnixTime,
) -> Result<Option<(UserId, String)>, AppError> {
    let spent: Option<(UserId, Option<String>)> = sqlx::query_as(
        "DELETE FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 \
         RETURNING user_id, email",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
    .map_err(database_error)?;
    Ok(spent.and_then(|(user_id, email)| Some((user_id, email?))))
}

/// Makes `email` the user's login, verified as of `now`: the address it had.
async fn set_email_in(tx: &mut Tx<'_>, user_id: UserId, email: &str, now: UnixTime) -> Result<String, AppError> {
    let old: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(database_error)?;
    sqlx::query("UPDATE users SET email = $2, email_verified_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(email)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(email_taken_or_database_error)?;
    Ok(old)
}
