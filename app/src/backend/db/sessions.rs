//! Whether a session may still be used: the user's security stamp and the
//! sessions logged out before their expiry.

use super::{database_error, Database};
use crate::{backend::random_id, error::AppError};

/// Whether a session may still be used.
pub struct SessionStanding {
    /// The user's current security stamp: a random value (so that no two users,
    /// nor one user before and after a database reset, ever share one) replaced
    /// by "log out everywhere" and password changes, which a session must carry
    /// to be valid.
    pub security_stamp: String,
    /// Logged out.
    pub ended: bool,
}

impl Database {
    /// The check made on every request with a valid cookie: one statement, a
    /// primary-key lookup in `users` and a primary-key probe in `ended_sessions`.
    /// `None` when the user no longer exists.
    pub async fn session_standing(&self, user_id: i64, session_id: &str) -> Result<Option<SessionStanding>, AppError> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT security_stamp, \
                    (SELECT COUNT(*) FROM ended_sessions WHERE session_id = $2) \
             FROM users WHERE id = $1",
        )
        .bind(user_id)
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(database_error)?;
        Ok(row.map(|(security_stamp, ended)| SessionStanding {
            security_stamp,
            ended: ended > 0,
        }))
    }

    /// Records a logged-out session until `expires_at` (Unix seconds), and forgets
    /// the ones whose time has passed by `now` (their cookies are refused as expired).
    pub async fn end_session(&self, session_id: &str, expires_at: i64, now: i64) -> Result<(), AppError> {
        sqlx::query("DELETE FROM ended_sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        sqlx::query("INSERT INTO ended_sessions (session_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(session_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    /// Revokes every session of the user; returns the new security stamp.
    pub async fn rotate_security_stamp(&self, user_id: i64) -> Result<String, AppError> {
        let stamp = random_id();
        sqlx::query("UPDATE users SET security_stamp = $2 WHERE id = $1")
            .bind(user_id)
            .bind(&stamp)
            .execute(&self.pool)
            .await
            .map_err(database_error)?;
        Ok(stamp)
    }
}
