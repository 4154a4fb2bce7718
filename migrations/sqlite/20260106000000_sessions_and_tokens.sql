-- One row per live session, named by the id the sealed cookie carries: a
-- session is valid while its row exists, so ending one (logout, the account
-- page's End, a password change) is deleting rows, seen by every app server
-- on the next request. It replaces the table of logged-out sessions and the
-- users' security stamps; existing cookies name no row and log in again.
CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Unix seconds. `last_seen_at` is written at most once a minute.
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- The absolute expiry: the row is swept after it.
    expires_at   INTEGER NOT NULL,
    user_agent   TEXT    NOT NULL,
    address      TEXT    NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
DROP TABLE ended_sessions;
ALTER TABLE users DROP COLUMN security_stamp;

-- RFC 3339, UTC; NULL until the owner follows a verification link.
ALTER TABLE users ADD COLUMN email_verified_at TEXT;

-- Single-use links mailed to a user (password reset, email verification):
-- only the SHA-256 of the token is kept, so a copy of the database opens no
-- account. A token goes when used, when replaced, or once expired.
CREATE TABLE account_tokens (
    token_hash TEXT    PRIMARY KEY,
    purpose    TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Unix seconds.
    expires_at INTEGER NOT NULL
);
CREATE INDEX account_tokens_by_user ON account_tokens (user_id);
CREATE INDEX account_tokens_by_expiry ON account_tokens (expires_at);
