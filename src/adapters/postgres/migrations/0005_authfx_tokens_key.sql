-- authfx migration 0005: the KeyStore gets a `tokens` purpose, the key that seals the OAuth access, refresh and ID
-- tokens of `accounts` at rest (adapters/sealedTokens). 0003's CHECK names the purposes, so it is replaced by one
-- that lists the new purpose too; the rows already there satisfy both. The name is the one PostgreSQL gave the
-- column's CHECK in 0003.
ALTER TABLE authfx_keys DROP CONSTRAINT authfx_keys_purpose_check;
ALTER TABLE authfx_keys ADD CONSTRAINT authfx_keys_purpose_check
  CHECK (purpose IN ('session', 'csrf', 'verification', 'checks', 'tokens'));
