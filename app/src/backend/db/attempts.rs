//! The brute-force limits' counters (see `limits.rs`).

use super::{database_error, Database};
use crate::backend::clock::UnixTime;
use crate::error::AppError;

impl Database {
    /// The window start and count of attempts under `key`, if its window began
    /// after `since`.
    pub async fn attempts(&self, key: &str, since: UnixTime) -> Result<Option<(UnixTime, i64)>, AppError> {
        sqlx::query_as("SELECT window_started, attempts FROM attempt_counters WHERE key = $1 AND window_started > $2")
            .bind(key)
            .bind(since)
            .fetch_optional(&mut *self.connection().await?)
            .await
            .map_err(database_error)
    }

    /// Counts one attempt under `key` at `now`, starting a new window when the
    /// current one began at or before `since`, and returns the count and the
    /// window's start: one atomic statement, so parallel attempts each see their
    /// own count. The count stops at `max + 1` ("refused"): refused attempts do
    /// not pile up, so one success (which forgets the count) opens the way again.
    pub async fn count_attempt(
        &self,
        key: &str,
        max: i64,
        now: UnixTime,
        since: UnixTime,
    ) -> Result<(i64, UnixTime), AppError> {
        sqlx::query_as(
            "INSERT INTO attempt_counters (key, window_started, attempts) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
                 attempts = CASE WHEN attempt_counters.window_started <= $3 THEN 1 \
                                 WHEN attempt_counters.attempts > $4 THEN attempt_counters.attempts \
                                 ELSE attempt_counters.attempts + 1 END, \
                 window_started = CASE WHEN attempt_counters.window_started <= $3 THEN $2 \
                                       ELSE attempt_counters.window_started END \
             RETURNING attempts, window_started",
        )
        .bind(key)
        .bind(now)
        .bind(since)
        .bind(max)
        .fetch_one(&mut *self.connection().await?)
        .await
        .map_err(database_error)
    }

    /// Drops the counters whose window began at or before `since`: finished.
    pub async fn sweep_attempts(&self, since: UnixTime) -> Result<(), AppError> {
        sqlx::query("DELETE FROM attempt_counters WHERE window_started <= $1")
            .bind(since)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    /// Takes back one attempt counted under `key`.
    pub async fn refund_attempt(&self, key: &str) -> Result<(), AppError> {
        sqlx::query("UPDATE attempt_counters SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
            .bind(key)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(())
    }

    pub async fn forget_attempts(&self, key: &str) -> Result<(), AppError> {
        sqlx::query("DELETE FROM attempt_counters WHERE key = $1")
            .bind(key)
            .execute(&mut *self.connection().await?)
            .await
            .map_err(database_error)?;
        Ok(())
    }
}
