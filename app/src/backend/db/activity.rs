//! The account's activity, as its owner sees it.

use super::{database_error, Database};
use crate::backend::clock::UnixTime;
use crate::domain::UserId;
use crate::error::AppError;
use sqlx::Connection;

/// One event of an account's activity, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub user_id: UserId,
    pub at: UnixTime,
    pub event: String,
    pub method: String,
    pub address: String,
    pub user_agent: String,
}

impl Database {
    /// Stores `records` (one request's events) and sweeps every row from
    /// before `swept_before`, in one transaction.
    pub async fn insert_activity(&self, records: &[ActivityRecord], swept_before: UnixTime) -> Result<(), AppError> {
        let mut connection = self.connection().await?;
        let mut tx = connection.begin().await.map_err(database_error)?;
        for record in records {
            sqlx::query(
                "INSERT INTO activity (user_id, at, event, method, address, user_agent) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(record.user_id)
            .bind(record.at)
            .bind(&record.event)
            .bind(&record.method)
            .bind(&record.address)
            .bind(&record.user_agent)
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        }
        sqlx::query("DELETE FROM activity WHERE at < $1")
            .bind(swept_before)
            .execute(&mut *tx)
            .await
            .map_err(database_error)?;
        tx.commit().await.map_err(database_error)
    }

    /// The user's newest `limit` events, newest first.
    pub async fn recent_activity(&self, user_id: UserId, limit: i64) -> Result<Vec<ActivityRecord>, AppError> {
        let rows: Vec<(UnixTime, String, String, String, String)> = sqlx::query_as(
            "SELECT at, event, method, address, user_agent FROM activity \
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&mut *self.connection().await?)
        .await
        .map_err(database_error)?;
        Ok(rows
            .into_iter()
            .map(|(at, event, method, address, user_agent)| ActivityRecord {
                user_id,
                at,
                event,
                method,
                address,
                user_agent,
            })
            .collect())
    }
}
