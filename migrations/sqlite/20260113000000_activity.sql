-- What happened to each account, for its owner to see on the account page:
-- sign-ins and their failures, sign-outs, changes to how it signs in. Rows
-- older than ACTIVITY_RETENTION are swept; the account's deletion takes them.
CREATE TABLE activity (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Unix seconds.
    at         INTEGER NOT NULL,
    -- The audit event's name: logged_in, login_failed, password_changed, ...
    event      TEXT NOT NULL,
    -- How: password, passkey, oidc:<provider>, totp, recovery_code; '' if none.
    method     TEXT NOT NULL,
    address    TEXT NOT NULL,
    -- Cut short, as the session's.
    user_agent TEXT NOT NULL
);
CREATE INDEX activity_by_user ON activity (user_id, id);
CREATE INDEX activity_by_time ON activity (at);
