-- Brute-force counters (failed logins per email and per address, registrations
-- per address), kept in the database so that every app server sharing it
-- shares the limits. A row lives for one window.
CREATE TABLE attempt_counters (
    key            TEXT    PRIMARY KEY,
    -- Unix seconds.
    window_started INTEGER NOT NULL,
    attempts       INTEGER NOT NULL
);
CREATE INDEX attempt_counters_by_window ON attempt_counters (window_started);
