-- When the address's owner was shown to hold this account's ways in (Unix
-- seconds): they followed the verification link while signed in to it,
-- reset its password, or made or took it over at an identity provider that
-- vouches for the address. Until then whoever made the account may not own
-- the address (a pre-hijacked account): the owner's first reset or provider
-- sign-in removes every way in made before. Accounts verified before this
-- rule count as claimed.
ALTER TABLE users ADD COLUMN claimed_at INTEGER;
UPDATE users SET claimed_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE email_verified_at IS NOT NULL;

-- The network a ceremony was started from (as `limits::network` writes
-- it): each network keeps only its newest ceremonies waiting.
ALTER TABLE ceremonies ADD COLUMN network TEXT NOT NULL DEFAULT '';
CREATE INDEX ceremonies_by_network ON ceremonies (network, expires_at);
