-- The same tables as SQLite's migrations reach, with the same representation
-- on the wire: ids are BIGINT identities, times Unix seconds (BIGINT) or
-- RFC 3339 text, as there.
CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           TEXT   NOT NULL,
    -- Trimmed and lower-cased by the application, so uniqueness is case-insensitive.
    email          TEXT   NOT NULL UNIQUE,
    -- bcrypt hash.
    password       TEXT   NOT NULL,
    -- RFC 3339, UTC.
    created_at     TEXT   NOT NULL,
    -- Replaced by "log out everywhere" and password changes: a session sealed
    -- with another one is refused.
    security_stamp TEXT   NOT NULL
);

-- Sessions ended by logout, kept until they would have expired anyway.
CREATE TABLE ended_sessions (
    session_id TEXT   PRIMARY KEY,
    -- Unix seconds.
    expires_at BIGINT NOT NULL
);
CREATE INDEX ended_sessions_by_expiry ON ended_sessions (expires_at);

-- Brute-force counters, shared by every app server on the database. A row
-- lives for one window.
CREATE TABLE attempt_counters (
    key            TEXT   PRIMARY KEY,
    -- Unix seconds.
    window_started BIGINT NOT NULL,
    attempts       BIGINT NOT NULL
);
CREATE INDEX attempt_counters_by_window ON attempt_counters (window_started);
