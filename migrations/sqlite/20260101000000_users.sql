CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    -- Trimmed and lower-cased by the application, so uniqueness is case-insensitive.
    email      TEXT    NOT NULL UNIQUE,
    -- bcrypt hash.
    password   TEXT    NOT NULL,
    -- RFC 3339, UTC.
    created_at TEXT    NOT NULL
);
