//! The mail outbox (see `mail.rs`).

use super::{database_error, Database};
use crate::{backend::mail::Mail, error::AppError};

/// A message claimed for sending, with the tries made so far (this one included).
pub struct ClaimedMail {
    pub id: i64,
    pub mail: Mail,
    pub attempts: i64,
}

impl Database {
    /// Puts `mail` in the outbox, due at `now` (Unix milliseconds), unless it
    /// already holds `backlog` messages: one statement, so parallel requests
    /// cannot overfill it. False when it was full.
    pub async fn queue_mail(&self, mail: &Mail, now: i64, backlog: i64) -> Result<bool, AppError> {
        let queued = sqlx::query(
            "INSERT INTO mail_outbox (recipient, subject, text_body, html_body, next_attempt_at) \
             SELECT $1, $2, $3, $4, $5 WHERE (SELECT COUNT(*) FROM mail_outbox) < $6",
        )
        .bind(&mail.to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(&mail.html)
        .bind(now)
        .bind(backlog)
        .execute(&mut *self.connection().await?)
        .await
        .map_err(database_error)?;
        Ok(queued.rows_affected() == 1)
    }

    /// Claims the oldest message that is due and not claimed, until
    /// `now + lease`, counting a try. The claim re-checks the row it updates,
    /// so two servers never claim one message.
    pub async fn claim_due_mail(&self, now: i64, lease: i64) -> Result<Option<ClaimedMail>, AppError> {
        let row: Option<(i64, String, String, String, String, i64)> = sqlx::query_as(
            "UPDATE mail_outbox SET claimed_until = $1 + $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM mail_outbox WHERE next_attempt_at <= $1 AND claimed_until <= $1 \
                         ORDER BY id LIMIT 1) \
               AND claimed_until <= $1 \
             RETURNING id, recipient, subject, text_body, html_body, attempts",
        )
        .bind(now)
        .bind(lease)
        .fetch_optional(&mut *self.connection().await?)
        .await
        .map_err(database_error)?;
        Ok(row.map(|(id, to, subject, text, html, attempts)| ClaimedMail {
            id,
            mail: Mail {
                to,
                subject,
                text,
                html,
            },
            attempts,
        }))
    }

    /// Takes a message out of the outbox: sent, or given up.
    pub async fn remove_mail(&self, id: i64) -> Result<(), AppError> {
        sqlx::query("DELETE FROM mail_outbox WHERE id = $1")
            .bind(id)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    /// Releases a claimed message to be tried again at `retry_at`.
    pub async fn retry_mail(&self, id: i64, retry_at: i64) -> Result<(), AppError> {
        sqlx::query("UPDATE mail_outbox SET next_attempt_at = $2, claimed_until = 0 WHERE id = $1")
            .bind(id)
            .bind(retry_at)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(())
    }
}
