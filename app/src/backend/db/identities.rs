//! Identities: accounts at identity providers, linked to users.

use super::{
    database_error,
    users::{insert_passwordless_user_in, PasswordlessUser},
    Database, Tx,
};
use crate::backend::clock::UnixTime;
use crate::backend::db::SessionId;
use crate::domain::UserId;
use crate::{error::AppError, model::UserSummary};
use sqlx::Connection;

/// An identity as a provider asserted it, about to be linked.
pub struct NewIdentity<'a> {
    /// The provider's configured id.
    pub provider: &'a str,
    pub subject: &'a str,
    /// The address the provider gave.
    pub email: &'a str,
    pub created_at: UnixTime,
}

/// A linked identity as the account page lists it. Times are Unix seconds.
pub struct IdentityRecord {
    pub provider: String,
    pub subject: String,
    pub email: String,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

/// An account found by its email, for deciding whether an identity may join it.
pub struct AccountByEmail {
    pub user: UserSummary,
    /// Whether the address's owner is known to hold the account's ways in
    /// (see the account security migration).
    pub claimed: bool,
}

impl Database {
    /// The user the identity is linked to, and their email, recording the
    /// sign-in with it.
    pub async fn sign_in_with_identity(
        &self,
        provider: &str,
        subject: &str,
        now: UnixTime,
    ) -> Result<Option<(UserSummary, String)>, AppError> {
        let mut connection = self.connection().await?;
        let user_id: Option<UserId> = sqlx::query_scalar(
            "UPDATE identities SET last_used_at = $3 WHERE provider = $1 AND subject = $2 RETURNING user_id",
        )
        .bind(provider)
        .bind(subject)
        .bind(now)
        .fetch_optional(&mut *connection)
        .await
        .map_err(database_error)?;
        let Some(user_id) = user_id else {
            return Ok(None);
        };
        let row: Option<(String, String)> = sqlx::query_as("SELECT name, email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *connection)
            .await
            .map_err(database_error)?;
        Ok(row.map(|(name, email)| (UserSummary { id: user_id, name }, email)))
    }

    /// The account with this (normalised) email, and whether it is claimed.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<AccountByEmail>, AppError> {
        let row: Option<(UserId, String, Option<i64>)> =
            sqlx::query_as("SELECT id, name, claimed_at FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&mut *self.connection().await?)
                .await
                .map_err(database_error)?;
        Ok(row.map(|(id, name, claimed_at)| AccountByEmail {
            user: UserSummary { id, name },
            claimed: claimed_at.is_some(),
        }))
    }

    /// Links the identity to the user, in the session `linking_in` if the
    /// user is signed in (refused as [`AppError::Unauthorized`] once that
    /// has ended); one linked to anyone already is [`AppError::IdentityTaken`].
    pub async fn link_identity(
        &self,
        user_id: UserId,
        linking_in: Option<&SessionId>,
        identity: &NewIdentity<'_>,
    ) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        if let Some(session_id) = linking_in {
            super::session_records::hold_session_in(&mut tx, session_id, user_id).await?;
        }
        insert_identity_in(&mut tx, user_id, identity).await?;
        tx.commit().await.map_err(database_error)
    }

    /// The owner of an account's address, proved by a provider, takes over
    /// an account they never claimed: every way in made before (password,
    /// passkeys, identities), every session and every mailed link goes; the
    /// identity is linked in their place, and the address is verified and
    /// claimed. One transaction.
    pub async fn take_over_with_identity(
        &self,
        user_id: UserId,
        identity: &NewIdentity<'_>,
        now: UnixTime,
    ) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        super::users::remove_unproved_methods_in(&mut tx, user_id, now).await?;
        for statement in [
            "DELETE FROM sessions WHERE user_id = $1",
            "DELETE FROM account_tokens WHERE user_id = $1",
        ] {
            sqlx::query(statement)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(database_error)?;
        }
        super::users::verify_address_in(&mut tx, user_id, now).await?;
        insert_identity_in(&mut tx, user_id, identity).await?;
        tx.commit().await.map_err(database_error)
    }

    /// Creates an account without a password, linked to the identity, in one
    /// transaction; `verified_at` (Unix seconds) when the provider vouches for
    /// the email, which also makes the account claimed: its one way in is
    /// the address owner's. A taken email is [`AppError::EmailTaken`].
    pub async fn insert_identity_user(
        &self,
        name: &str,
        email: &str,
        created_at: UnixTime,
        verified_at: Option<UnixTime>,
        identity: &NewIdentity<'_>,
    ) -> Result<UserId, AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        let user = PasswordlessUser {
            name,
            email,
            created_at,
            passkey_user_handle: None,
            email_verified_at: verified_at,
            claimed_at: verified_at.map(|_| identity.created_at),
        };
        let user_id = insert_passwordless_user_in(&mut tx, &user).await?;
        insert_identity_in(&mut tx, user_id, identity).await?;
        tx.commit().await.map_err(database_error)?;
        Ok(user_id)
    }

    /// The user's identities, oldest first.
    pub async fn identities_of(&self, user_id: UserId) -> Result<Vec<IdentityRecord>, AppError> {
        let rows: Vec<(String, String, String, UnixTime, Option<UnixTime>)> = sqlx::query_as(
            "SELECT provider, subject, email, created_at, last_used_at FROM identities \
             WHERE user_id = $1 ORDER BY created_at, provider, subject",
        )
        .bind(user_id)
        .fetch_all(&mut *self.connection().await?)
        .await
        .map_err(database_error)?;
        Ok(rows
            .into_iter()
            .map(|(provider, subject, email, created_at, last_used_at)| IdentityRecord {
                provider,
                subject,
                email,
                created_at,
                last_used_at,
            })
            .collect())
    }
}

async fn insert_identity_in(tx: &mut Tx<'_>, user_id: UserId, identity: &NewIdentity<'_>) -> Result<(), AppError> {
    sqlx::query("INSERT INTO identities (provider, subject, user_id, email, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(identity.provider)
        .bind(identity.subject)
        .bind(user_id)
        .bind(identity.email)
        .bind(identity.created_at)
        .execute(&mut **tx)
        .await
        .map_err(|err| match err.as_database_error() {
            Some(db_err) if db_err.is_unique_violation() => AppError::IdentityTaken,
            _ => database_error(err),
        })?;
    Ok(())
}
