-- Every stored time in Unix seconds, as in every other table (created_at and
-- email_verified_at were RFC 3339 text), and an account without a password
-- holds NULL in password_hash rather than '' in password.
ALTER TABLE users ALTER COLUMN created_at TYPE BIGINT
    USING FLOOR(EXTRACT(EPOCH FROM created_at::timestamptz))::BIGINT;
ALTER TABLE users ALTER COLUMN email_verified_at TYPE BIGINT
    USING FLOOR(EXTRACT(EPOCH FROM email_verified_at::timestamptz))::BIGINT;

-- bcrypt hash; NULL for an account made with a passkey or at a provider
-- that has not set a password.
ALTER TABLE users RENAME COLUMN password TO password_hash;
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
UPDATE users SET password_hash = NULL WHERE password_hash = '';
