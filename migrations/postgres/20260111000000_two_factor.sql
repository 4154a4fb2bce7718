-- Two-step verification (TOTP, RFC 6238) and its recovery codes.

CREATE TABLE two_factor (
    user_id    BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The TOTP secret, encrypted (AES-256-GCM under a key derived from
    -- PASSWORD_PEPPER, bound to the user id): base64 of nonce and ciphertext.
    secret     TEXT    NOT NULL,
    -- Unix seconds; NULL while set up but not yet confirmed with a code.
    enabled_at BIGINT,
    -- The newest 30-second time step a code was accepted for: a code of it
    -- or of an earlier step is refused, on every server.
    last_step  BIGINT NOT NULL DEFAULT 0
);

-- Single-use recovery codes, kept only as their SHA-256 (each is 50 random
-- bits, too many to guess online, which the attempt limits bound).
CREATE TABLE recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
