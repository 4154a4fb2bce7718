//! Accounts: creating them, finding them, their passwords.

use super::{database_error, Database};
use crate::{
    backend::random_id,
    domain::{Cursor, PageRequest},
    error::AppError,
    model::{UserProfile, UserSummary},
};

/// What login needs to know about an account.
pub struct Credentials {
    pub user: UserSummary,
    pub password_hash: String,
    pub security_stamp: String,
}

impl Database {
    /// Stores a new account; a taken email is [`AppError::EmailTaken`].
    pub async fn insert_user(
        &self,
        name: &str,
        email: &str,
        password_hash: &str,
        created_at: &str,
        security_stamp: &str,
    ) -> Result<UserSummary, AppError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, email, password, created_at, security_stamp) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(email)
        .bind(password_hash)
        .bind(created_at)
        .bind(security_stamp)
        .fetch_one(&self.pool)
        .await
        .map_err(|err| match err.as_database_error() {
            Some(db_err) if db_err.is_unique_violation() => AppError::EmailTaken,
            _ => database_error(err),
        })?;
        Ok(UserSummary {
            id,
            name: name.to_owned(),
        })
    }

    pub async fn find_credentials(&self, email: &str) -> Result<Option<Credentials>, AppError> {
        let row: Option<(i64, String, String, String)> =
            sqlx::query_as("SELECT id, name, password, security_stamp FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&self.pool)
                .await
                .map_err(database_error)?;
        Ok(row.map(|(id, name, password_hash, security_stamp)| Credentials {
            user: UserSummary { id, name },
            password_hash,
            security_stamp,
        }))
    }

    /// The stored password hash of a user.
    pub async fn password_hash(&self, user_id: i64) -> Result<Option<String>, AppError> {
        sqlx::query_scalar("SELECT password FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(database_error)
    }

    /// Replaces the stored hash of the same password (a rehash at a new cost),
    /// only if it is still `old_hash`: a password changed meanwhile stays changed.
    pub async fn replace_password_hash(&self, user_id: i64, old_hash: &str, new_hash: &str) -> Result<bool, AppError> {
        let updated = sqlx::query("UPDATE users SET password = $3 WHERE id = $1 AND password = $2")
            .bind(user_id)
            .bind(old_hash)
            .bind(new_hash)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(updated.rows_affected() == 1)
    }

    /// Where the user's mail goes; `None` when the user no longer exists.
    pub async fn email_of(&self, user_id: i64) -> Result<Option<String>, AppError> {
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(database_error)
    }

    /// Replaces the password and revokes every session; returns the new security stamp.
    pub async fn change_password(&self, user_id: i64, password_hash: &str) -> Result<String, AppError> {
        let stamp = random_id();
        sqlx::query("UPDATE users SET password = $2, security_stamp = $3 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .bind(&stamp)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(stamp)
    }

    /// One page of users in id order, next to `page`'s cursor.
    pub async fn list_users(&self, page: PageRequest) -> Result<Vec<UserSummary>, AppError> {
        let query = match page.cursor {
            Cursor::After(id) => {
                sqlx::query_as("SELECT id, name FROM users WHERE id > $1 ORDER BY id LIMIT $2").bind(id)
            }
            // The nearest users below the cursor, put back in id order.
            Cursor::Before(id) => sqlx::query_as(
                "SELECT id, name FROM (SELECT id, name FROM users WHERE id < $1 ORDER BY id DESC LIMIT $2) AS page ORDER BY id",
            )
            .bind(id),
        };
        let rows: Vec<(i64, String)> = query
            .bind(page.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(rows.into_iter().map(|(id, name)| UserSummary { id, name }).collect())
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<UserProfile>, AppError> {
        let row: Option<(i64, String, String)> = sqlx::query_as("SELECT id, name, created_at FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(row.map(|(id, name, created_at)| UserProfile { id, name, created_at }))
    }
}
