-- Sign-in with identity providers (OpenID Connect).

-- An account at a provider, linked to a user: the provider's configured id
-- (`google`) and the subject its id tokens name, which it never reuses.
CREATE TABLE identities (
    provider     TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The address the provider gave at linking, to tell identities apart
    -- on the account page.
    email        TEXT    NOT NULL,
    -- Unix seconds.
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX identities_by_user ON identities (user_id);

-- Passkey ceremonies and sign-ins at providers wait in one table.
ALTER TABLE passkey_ceremonies RENAME TO ceremonies;
