-- Every stored time in Unix seconds, as in every other table (created_at and
-- email_verified_at were RFC 3339 text), and an account without a password
-- holds NULL in password_hash rather than '' in password.
ALTER TABLE users ADD COLUMN created_seconds INTEGER NOT NULL DEFAULT 0;
UPDATE users SET created_seconds = CAST(strftime('%s', created_at) AS INTEGER);
ALTER TABLE users DROP COLUMN created_at;
ALTER TABLE users RENAME COLUMN created_seconds TO created_at;

ALTER TABLE users ADD COLUMN email_verified_seconds INTEGER;
UPDATE users SET email_verified_seconds = CAST(strftime('%s', email_verified_at) AS INTEGER);
ALTER TABLE users DROP COLUMN email_verified_at;
ALTER TABLE users RENAME COLUMN email_verified_seconds TO email_verified_at;

-- bcrypt hash; NULL for an account made with a passkey or at a provider
-- that has not set a password.
ALTER TABLE users ADD COLUMN password_hash TEXT;
UPDATE users SET password_hash = NULLIF(password, '');
ALTER TABLE users DROP COLUMN password;
