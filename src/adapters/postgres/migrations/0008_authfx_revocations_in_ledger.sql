-- authfx migration authfx_revocations_in_ledger: revocations move to the ledger (authfx_ledger), where the
-- domain keeps them now (src/domain/revocation.ts), and the refresh claim leaves the account row (the domain
-- keeps it in the ledger too). Every revocation still in force is carried over, so no signed-out session
-- comes back to life; a refresh claim lasts seconds, so the ones in flight are let go.
--
-- Keys and values are the domain's: `revoked:jti:<jti>`, `revoked:user:<user id>` and
-- `revoked:user-via:<user id>:<provider>`, each holding "<issued at or before>:<until>" in epoch milliseconds
-- (a token id covers every token issued, so its first number is 2^53 - 1). The domain URI-encodes each part;
-- every id in these tables was written by authfx (token ids base64url or UUIDs, user ids integers, provider ids
-- [a-z0-9_-]), all characters URI encoding leaves as they are, so the ids go in as they are — the WHERE
-- clauses keep exactly such rows.
INSERT INTO authfx_ledger (key, value, expires_at)
SELECT 'revoked:jti:' || jti, '9007199254740991:' || floor(extract(epoch FROM until) * 1000)::bigint, until
FROM authfx_revoked_tokens
WHERE jti ~ '^[A-Za-z0-9_.!~*''()-]+$'
ON CONFLICT (key) DO NOTHING;

INSERT INTO authfx_ledger (key, value, expires_at)
SELECT 'revoked:user:' || user_id,
  floor(extract(epoch FROM issued_before) * 1000)::bigint || ':' || floor(extract(epoch FROM until) * 1000)::bigint,
  until
FROM authfx_revoked_users
WHERE user_id ~ '^[A-Za-z0-9_.!~*''()-]+$'
ON CONFLICT (key) DO NOTHING;

INSERT INTO authfx_ledger (key, value, expires_at)
SELECT 'revoked:user-via:' || user_id || ':' || provider,
  floor(extract(epoch FROM issued_before) * 1000)::bigint || ':' || floor(extract(epoch FROM until) * 1000)::bigint,
  until
FROM authfx_revoked_user_providers
WHERE user_id ~ '^[A-Za-z0-9_.!~*''()-]+$' AND provider ~ '^[A-Za-z0-9_.!~*''()-]+$'
ON CONFLICT (key) DO NOTHING;

DROP TABLE authfx_revoked_tokens;
DROP TABLE authfx_revoked_users;
DROP TABLE authfx_revoked_user_providers;

ALTER TABLE accounts DROP COLUMN IF EXISTS refresh_claim_holder, DROP COLUMN IF EXISTS refresh_claim_until;
