//! Passkeys and the WebAuthn ceremonies that create and use them.

use super::{
    database_error,
    users::{insert_passwordless_user_in, PasswordlessUser},
    Database, Tx,
};
use crate::backend::clock::UnixTime;
use crate::backend::db::SessionId;
use crate::domain::UserId;
use crate::error::AppError;
use sqlx::Connection;

/// A passkey as the account page lists it. Times are Unix seconds.
pub struct PasskeyRecord {
    pub id: String,
    pub name: String,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

/// A new passkey, verified, about to be stored.
pub struct NewPasskey<'a> {
    /// The credential id, base64url.
    pub id: &'a str,
    pub name: &'a str,
    /// The credential as webauthn-rs keeps it, JSON.
    pub credential: &'a str,
    pub created_at: UnixTime,
}

/// What signing in with a passkey needs: its owner and its stored credential.
pub struct PasskeyOwner {
    pub user_id: UserId,
    pub user_name: String,
    pub email: String,
    pub user_handle: String,
    pub credential: String,
}

impl Database {
    /// The user's WebAuthn user handle, once a first passkey has set it.
    pub async fn passkey_user_handle(&self, user_id: UserId) -> Result<Option<String>, AppError> {
        let handle: Option<Option<String>> = sqlx::query_scalar("SELECT passkey_user_handle FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(handle.flatten())
    }

    /// The credential ids of the user's passkeys: an authenticator holding
    /// one of them is not asked to make another.
    pub async fn passkey_ids_of(&self, user_id: UserId) -> Result<Vec<String>, AppError> {
        sqlx::query_scalar("SELECT id FROM passkeys WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *self.connection().await?)
            .await
            .map_err(database_error)
    }

    /// The user's passkeys, oldest first.
    pub async fn passkeys_of(&self, user_id: UserId) -> Result<Vec<PasskeyRecord>, AppError> {
        let rows: Vec<(String, String, UnixTime, Option<UnixTime>)> = sqlx::query_as(
            "SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(&mut *self.connection().await?)
        .await
        .map_err(database_error)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at, last_used_at)| PasskeyRecord {
                id,
                name,
                created_at,
                last_used_at,
            })
            .collect())
    }

    /// Creates an account without a password, with its first passkey, in
    /// one transaction; a taken email is [`AppError::EmailTaken`].
    pub async fn insert_passkey_user(
        &self,
        name: &str,
        email: &str,
        user_handle: &str,
        created_at: UnixTime,
        passkey: &NewPasskey<'_>,
    ) -> Result<UserId, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let user = PasswordlessUser {
            name,
            email,
            created_at,
            passkey_user_handle: Some(user_handle),
            email_verified_at: None,
            claimed_at: None,
        };
        let user_id = insert_passwordless_user_in(&mut tx, &user).await?;
        insert_passkey_in(&mut tx, user_id, passkey).await?;
        tx.commit().await.map_err(database_error)?;
        Ok(user_id)
    }

    /// Adds a passkey made for `user_handle` to the user, setting the handle
    /// if it is the first; refused as [`AppError::PasskeyExpired`] if another
    /// first passkey set a different handle meanwhile, and as
    /// [`AppError::Unauthorized`] when the session `adding_in` has ended (a
    /// password change or reset ending it cannot be outrun).
    pub async fn add_passkey(
        &self,
        user_id: UserId,
        adding_in: &SessionId,
        user_handle: &str,
        passkey: &NewPasskey<'_>,
    ) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        super::session_records::hold_session_in(&mut tx, adding_in, user_id).await?;
        let stored: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE users SET passkey_user_handle = COALESCE(passkey_user_handle, $2) WHERE id = $1 \
             RETURNING passkey_user_handle",
        )
        .bind(user_id)
        .bind(user_handle)
        .fetch_optional(&mut *tx)
        .await
        .map_err(database_error)?;
        match stored.flatten() {
            Some(stored) if stored == user_handle => {}
            Some(_) => return Err(AppError::PasskeyExpired),
            None => return Err(AppError::Unauthorized),
        }
        insert_passkey_in(&mut tx, user_id, passkey).await?;
        tx.commit().await.map_err(database_error)
    }

    /// The passkey with this credential id and its owner.
    pub async fn passkey_owner(&self, credential_id: &str) -> Result<Option<PasskeyOwner>, AppError> {
        let row: Option<(UserId, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT users.id, users.name, users.email, users.passkey_user_handle, passkeys.credential \
             FROM passkeys JOIN users ON users.id = passkeys.user_id WHERE passkeys.id = $1",
        )
        .bind(credential_id)
        .fetch_optional(&mut *self.connection().await?)
        .await
        .map_err(database_error)?;
        Ok(row.and_then(|(user_id, user_name, email, user_handle, credential)| {
            Some(PasskeyOwner {
                user_id,
                user_name,
                email,
                user_handle: user_handle?,
                credential,
            })
        }))
    }

    /// Records a sign-in with the passkey: its credential becomes `updated`
    /// (a higher signature counter, new backup flags) only if it is still
    /// `checked`, the one the signature was verified against; `false`, with
    /// nothing changed, when a parallel sign-in changed it first or it was removed.
    pub async fn record_passkey_use(
        &self,
        credential_id: &str,
        checked: &str,
        updated: &str,
        now: UnixTime,
    ) -> Result<bool, AppError> {
        let updated =
            sqlx::query("UPDATE passkeys SET credential = $3, last_used_at = $4 WHERE id = $1 AND credential = $2")
                .bind(credential_id)
                .bind(checked)
                .bind(updated)
                .bind(now)
                .execute(&mut *self.connection().await?)
                .await
                .map_err(database_error)?;
        Ok(updated.rows_affected() == 1)
    }
}

async fn insert_passkey_in(tx: &mut Tx<'_>, user_id: UserId, passkey: &NewPasskey<'_>) -> Result<(), AppError> {
    sqlx::query("INSERT INTO passkeys (id, user_id, name, credential, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(passkey.id)
        .bind(user_id)
        .bind(passkey.name)
        .bind(passkey.credential)
        .bind(passkey.created_at)
        .execute(&mut **tx)
        .await
        .map_err(|err| match err.as_database_error() {
            Some(db_err) if db_err.is_unique_violation() => AppError::PasskeyTaken,
            _ => database_error(err),
        })?;
    Ok(())
}
