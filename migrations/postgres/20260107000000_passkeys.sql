-- Passkeys (WebAuthn). An account may now have no password: as on SQLite
-- (which cannot drop NOT NULL without rebuilding the table), "no password" is
-- an empty string, which no bcrypt hash is, so both databases share the
-- application's queries; the application reads it as NULL.

-- The WebAuthn user handle: random, the same for all of a user's passkeys,
-- set when the first one is added (16 bytes, base64url).
ALTER TABLE users ADD COLUMN passkey_user_handle TEXT;
CREATE UNIQUE INDEX users_by_passkey_user_handle ON users (passkey_user_handle);

CREATE TABLE passkeys (
    -- The credential id, base64url.
    id           TEXT    PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    -- The verified credential as webauthn-rs keeps it (JSON): public key,
    -- algorithm, signature counter and backup flags.
    credential   TEXT    NOT NULL,
    -- Unix seconds.
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);

-- A registration or sign-in between its challenge and the browser's answer:
-- the state webauthn-rs needs to check that answer (JSON), kept here so any
-- app server can finish what another started. Single use (deleted when
-- finished) and short-lived; swept when new ones start.
CREATE TABLE passkey_ceremonies (
    -- SHA-256 of the random id the browser holds.
    id_hash    TEXT    PRIMARY KEY,
    purpose    TEXT    NOT NULL,
    -- The logged-in user adding a passkey; NULL for sign-in and sign-up.
    user_id    BIGINT  REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT    NOT NULL,
    -- Unix seconds.
    expires_at BIGINT  NOT NULL
);
CREATE INDEX passkey_ceremonies_by_expiry ON passkey_ceremonies (expires_at);
