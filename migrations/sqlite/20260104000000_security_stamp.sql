-- Sessions carry the user's security stamp, a random value replaced by "log out
-- everywhere" and password changes. Unlike a counter from 0, a stamp never
-- repeats: after a database reset, a cookie naming a reused user id is refused.
ALTER TABLE users ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
UPDATE users SET security_stamp = lower(hex(randomblob(16)));
ALTER TABLE users DROP COLUMN session_generation;
