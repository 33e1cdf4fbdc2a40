-- authfx migration 0004: which provider a session was signed in with, so that unlinking a provider ends
-- exactly the sessions it started (database sessions: the column; JWT sessions: a revocation by provider).

-- NULL for sessions from before this column, and for rows Auth.js itself writes.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS via TEXT;

-- Every JWT of the user signed in with `provider` and issued at or before issued_before is revoked, until
-- `until`. Like authfx_revoked_users, no foreign key: a revocation outlives a deleted user.
CREATE TABLE authfx_revoked_user_providers
(
  user_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  issued_before TIMESTAMPTZ NOT NULL,
  until TIMESTAMPTZ NOT NULL,

  PRIMARY KEY (user_id, provider)
);
CREATE INDEX authfx_revoked_user_providers_until_idx ON authfx_revoked_user_providers (until);
