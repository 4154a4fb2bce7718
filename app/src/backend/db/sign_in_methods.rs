//! An account's ways to sign in, as stored: removing one is kept only if
//! another that works is left.

use super::{database_error, Database};
use crate::domain::UserId;
use crate::error::AppError;
use sqlx::Connection;

/// The ways to sign in that work now: passkeys, unless they are switched
/// off, and identities at the providers configured (one whose provider left
/// the configuration signs nobody in).
#[derive(Debug, Clone, Copy)]
pub struct Usable<'a> {
    pub passkeys: bool,
    pub providers: &'a [&'a str],
}

/// What removing a passkey or an identity came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// The user has no such passkey or identity.
    NotFound,
    /// It is the user's only way to sign in: nothing was removed.
    LastSignInMethod,
}

impl Database {
    /// Removes one of the user's passkeys, unless it is their last way to
    /// sign in that works now.
    pub async fn remove_passkey(
        &self,
        user_id: UserId,
        credential_id: &str,
        usable: Usable<'_>,
    ) -> Result<Removal, AppError> {
        self.remove_sign_in_method(
            user_id,
            usable,
            sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND id = $2")
                .bind(user_id)
                .bind(credential_id),
        )
        .await
    }

    /// Runs `delete`, which removes one of the user's ways to sign in, and
    /// keeps its effect only if the user has another left that works now: a
    /// password, or one of the `usable` others.
    pub(super) async fn remove_sign_in_method<'q>(
        &self,
        user_id: UserId,
        usable: Usable<'_>,
        delete: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> Result<Removal, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        // A write to the user's row first: it locks the row (PostgreSQL) or the
        // database (SQLite) until commit, so two removals of a user's last two
        // ways to sign in run one after the other and the second sees the first.
        let password: Option<Option<String>> =
            sqlx::query_scalar("UPDATE users SET password_hash = password_hash WHERE id = $1 RETURNING password_hash")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(database_error)?;
        if delete.execute(&mut *tx).await.map_err(database_error)?.rows_affected() == 0 {
            return Ok(Removal::NotFound);
        }
        if password.flatten().is_none() {
            let passkeys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(database_error)?;
            let providers: Vec<String> = sqlx::query_scalar("SELECT provider FROM identities WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(database_error)?;
            let identities = providers
                .iter()
                .filter(|provider| usable.providers.contains(&provider.as_str()))
                .count();
            let passkeys = if usable.passkeys { passkeys } else { 0 };
            // Returning without a commit rolls the delete back.
            if passkeys == 0 && identities == 0 {
                return Ok(Removal::LastSignInMethod);
            }
        }
        tx.commit().await.map_err(database_error)?;
        Ok(Removal::Removed)
    }

    /// Unlinks one of the user's identities, unless it is their last way to
    /// sign in that works now.
    pub async fn unlink_identity(
        &self,
        user_id: UserId,
        provider: &str,
        subject: &str,
        usable: Usable<'_>,
    ) -> Result<Removal, AppError> {
        self.remove_sign_in_method(
            user_id,
            usable,
            sqlx::query("DELETE FROM identities WHERE user_id = $1 AND provider = $2 AND subject = $3")
                .bind(user_id)
                .bind(provider)
                .bind(subject),
        )
        .await
    }
}
