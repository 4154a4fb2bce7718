-- Bumped by "log out everywhere" and password changes: sessions sealed with an
-- older generation are refused.
ALTER TABLE users ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0;

-- Sessions ended by logout, kept until they would have expired anyway.
CREATE TABLE ended_sessions (
    session_id TEXT    PRIMARY KEY,
    -- Unix seconds.
    expires_at INTEGER NOT NULL
);
CREATE INDEX ended_sessions_by_expiry ON ended_sessions (expires_at);
