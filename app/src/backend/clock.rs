//! The time as the server sees it.

use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, PoisonError};
use time::{Duration, OffsetDateTime};

/// A moment in whole Unix seconds: how every time is stored (INTEGER in
/// both databases), sealed and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct UnixTime(i64);

impl UnixTime {
    pub const fn from_seconds(seconds: i64) -> Self {
        Self(seconds)
    }

    pub const fn seconds(self) -> i64 {
        self.0
    }

    /// `seconds` later (earlier if negative).
    pub const fn plus(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds))
    }

    /// Seconds from `earlier` to this moment.
    pub const fn since(self, earlier: Self) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// The SQLite reader's rows (`db/reader.rs`) hold it as the integer it is.
impl rusqlite::types::FromSql for UnixTime {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        i64::column_result(value).map(Self)
    }
}

/// As RFC 3339, UTC, as the API shows times.
pub fn rfc3339_of(at: UnixTime) -> String {
    use time::format_description::well_known::Rfc3339;
    OffsetDateTime::from_unix_timestamp(at.0)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Where "now" comes from: the system clock, or a manual one that moves only
/// when told to, so tests step over a session's lifetime or a limit's window
/// instead of sleeping through it.
///
/// Always whole seconds: expiries are stored and sealed to the second, and a
/// fraction would make a fresh cookie's Max-Age one short.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<OffsetDateTime>>>,
}

impl Clock {
    /// A clock that stands at `start` until [`Clock::advance`] moves it.
    pub fn manual(start: OffsetDateTime) -> Self {
        Self {
            manual: Some(Arc::new(Mutex::new(start))),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        let now = match &self.manual {
            Some(manual) => *manual.lock().unwrap_or_else(PoisonError::into_inner),
            None => OffsetDateTime::now_utc(),
        };
        now.replace_nanosecond(0).unwrap_or(now)
    }

    pub fn unix_now(&self) -> UnixTime {
        UnixTime(self.now().unix_timestamp())
    }

    /// Moves a manual clock forward; the system clock moves by itself.
    pub fn advance(&self, by: Duration) {
        if let Some(manual) = &self.manual {
            *manual.lock().unwrap_or_else(PoisonError::into_inner) += by;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        clock.clone().advance(Duration::seconds(90));
        assert_eq!(clock.unix_now(), UnixTime(1_800_000_090), "clones share the time");
    }

    #[test]
    fn the_system_clock_is_now_in_whole_seconds() {
        let before = OffsetDateTime::now_utc().unix_timestamp();
        let now = Clock::default().now();
        assert_eq!(now.nanosecond(), 0);
        assert!((before..=before + 1).contains(&now.unix_timestamp()));
    }
}
