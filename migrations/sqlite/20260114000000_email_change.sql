-- The address a token is about: for an email change, the new address (the
-- link goes there); for its undo, the old one (it comes back). NULL for the
-- other purposes.
ALTER TABLE account_tokens ADD COLUMN email TEXT;
