-- authfx migration 0016: two-factor sign-in (src/domain/twoFactor). One TOTP enrolment per user: pending while
-- enabled_at is NULL, on from then. `secret` is what the Users above the store wrote: sealed at rest by
-- adapters/sealedTokens (AES-256-GCM under a `tokens` key). `last_step` is the last TOTP time step accepted
-- (replays are refused by a compare-and-set on it); `backup_codes` are HMAC-SHA256 hashes, each removed as it is
-- used. Deleting the user deletes the row.
CREATE TABLE authfx_two_factor
(
  user_id INTEGER NOT NULL,
  enrolment_id TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  enabled_at TIMESTAMPTZ,
  last_step BIGINT,
  backup_codes TEXT[] NOT NULL DEFAULT '{}',

  PRIMARY KEY (user_id),
  CONSTRAINT authfx_two_factor_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
