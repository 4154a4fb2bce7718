-- Unix seconds an operator disabled the account (`server admin disable`):
-- it cannot sign in by any method, and none of its sessions is valid.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
