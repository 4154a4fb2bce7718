//! The ids of stored things, as types: a user id cannot be passed where a
//! count, a time or another table's id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A user's id: the `users` table's key, and how the API names a user. On
/// the wire and in the database a plain integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct UserId(i64);

impl UserId {
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The SQLite reader's rows and parameters (`db/reader.rs`) hold it as the integer it is.
#[cfg(feature = "ssr")]
impl rusqlite::types::FromSql for UserId {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        i64::column_result(value).map(Self)
    }
}
