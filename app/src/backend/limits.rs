//! Brute-force limits: failed logins per email and per client address, and
//! registrations per address, each counted over a fixed window.
//!
//! Written here rather than taken from `governor` because the rule is "N failures,
//! forgotten on success", which a token bucket cannot express (it has no way to
//! give a key its tokens back). Memory is bounded: entries expire with their
//! window, and past `MAX_KEYS` the oldest window is forgotten first.

use crate::error::AppError;
use http::{header::RETRY_AFTER, HeaderValue};
use leptos::prelude::use_context;
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Keys tracked per counter at most (a few MB in the worst case).
const MAX_KEYS: usize = 100_000;

/// How many attempts are allowed, per what, over how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    pub login_failures_per_email: u32,
    pub login_failures_per_address: u32,
    pub registrations_per_address: u32,
    pub window: Duration,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            login_failures_per_email: 5,
            login_failures_per_address: 50,
            registrations_per_address: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The limits of one server process.
pub struct Limits {
    failures_by_email: Counter,
    failures_by_address: Counter,
    registrations_by_address: Counter,
}

/// A refused attempt: retry after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        Self {
            failures_by_email: Counter::new(settings.login_failures_per_email, settings.window),
            failures_by_address: Counter::new(settings.login_failures_per_address, settings.window),
            registrations_by_address: Counter::new(settings.registrations_per_address, settings.window),
        }
    }

    /// Whether a login for `email` from `address` may even be attempted.
    pub fn check_login(&self, email: &str, address: IpAddr) -> Result<(), Throttled> {
        let now = Instant::now();
        self.failures_by_email.check(email, now)?;
        self.failures_by_address.check(&address.to_string(), now)
    }

    pub fn login_failed(&self, email: &str, address: IpAddr) {
        let now = Instant::now();
        self.failures_by_email.add(email, now);
        self.failures_by_address.add(&address.to_string(), now);
    }

    /// A success forgets the email's failures (the address keeps its count, so
    /// one valid account cannot be used to reset a guessing run on others).
    pub fn login_succeeded(&self, email: &str) {
        self.failures_by_email.forget(email);
    }

    /// Counts a registration attempt from `address`, refusing it past the limit.
    pub fn register_attempt(&self, address: IpAddr) -> Result<(), Throttled> {
        let now = Instant::now();
        let key = address.to_string();
        self.registrations_by_address.check(&key, now)?;
        self.registrations_by_address.add(&key, now);
        Ok(())
    }
}

impl Throttled {
    /// The error to answer with, after putting `Retry-After` on the response.
    pub fn into_error(self) -> AppError {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            let seconds = self.retry_after.as_secs().max(1);
            response.insert_header(RETRY_AFTER, HeaderValue::from(seconds));
        }
        AppError::TooManyRequests
    }
}

struct Counter {
    max: u32,
    window: Duration,
    entries: Mutex<HashMap<String, Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

impl Counter {
    fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, key: &str, now: Instant) -> Result<(), Throttled> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match entries.get(key) {
            Some(window) if now.duration_since(window.started) < self.window && window.count >= self.max => {
                Err(Throttled {
                    retry_after: self.window - now.duration_since(window.started),
                })
            }
            _ => Ok(()),
        }
    }

    fn add(&self, key: &str, now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !entries.contains_key(key) && entries.len() >= MAX_KEYS {
            entries.retain(|_, window| now.duration_since(window.started) < self.window);
            if entries.len() >= MAX_KEYS {
                if let Some(oldest) = entries.iter().min_by_key(|(_, w)| w.started).map(|(k, _)| k.clone()) {
                    entries.remove(&oldest);
                }
            }
        }
        let window = entries.entry(key.to_owned()).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= self.window {
            *window = Window { started: now, count: 0 };
        }
        window.count += 1;
    }

    fn forget(&self, key: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(key);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn refuses_after_max_failures_until_the_window_ends() {
        let counter = Counter::new(3, MINUTE);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(counter.check("k", start).is_ok());
            counter.add("k", start);
        }
        let refused = counter.check("k", start + Duration::from_secs(20)).unwrap_err();
        assert_eq!(refused.retry_after, Duration::from_secs(40));
        assert!(counter.check("k", start + MINUTE).is_ok(), "a new window");
        assert!(counter.check("other", start).is_ok(), "keys are independent");
    }

    #[test]
    fn forgetting_resets_the_count() {
        let counter = Counter::new(2, MINUTE);
        let now = Instant::now();
        counter.add("k", now);
        counter.add("k", now);
        assert!(counter.check("k", now).is_err());
        counter.forget("k");
        assert!(counter.check("k", now).is_ok());
    }

    #[test]
    fn memory_is_bounded() {
        let counter = Counter::new(5, MINUTE);
        let now = Instant::now();
        for n in 0..MAX_KEYS + 10 {
            counter.add(&n.to_string(), now + Duration::from_nanos(n as u64));
        }
        assert_eq!(counter.len(), MAX_KEYS);
        assert!(counter.entries.lock().unwrap().get("0").is_none(), "the oldest went first");
    }

    #[test]
    fn expired_windows_are_dropped_before_anything_else() {
        let counter = Counter::new(5, MINUTE);
        let then = Instant::now();
        for n in 0..MAX_KEYS {
            counter.add(&n.to_string(), then);
        }
        counter.add("fresh", then + 2 * MINUTE);
        assert_eq!(counter.len(), 1);
    }
}
