-- authfx migration 0003: tables Auth.js does not have. Their names start with authfx_ so that they never
-- meet a table of the application's.

-- Revoked JWT session ids. A row matters until `until` (the token's own expiry); later rows are swept.
CREATE TABLE authfx_revoked_tokens
(
  jti TEXT NOT NULL,
  until TIMESTAMPTZ NOT NULL,

  PRIMARY KEY (jti)
);
CREATE INDEX authfx_revoked_tokens_until_idx ON authfx_revoked_tokens (until);

-- "Sign out everywhere": every JWT of the user issued at or before issued_before is revoked, until `until`.
-- user_id is the port's opaque id as text and has no foreign key: a revocation outlives a deleted user.
CREATE TABLE authfx_revoked_users
(
  user_id TEXT NOT NULL,
  issued_before TIMESTAMPTZ NOT NULL,
  until TIMESTAMPTZ NOT NULL,

  PRIMARY KEY (user_id)
);
CREATE INDEX authfx_revoked_users_until_idx ON authfx_revoked_users (until);

-- The KeyStore's keys, shared by every node. `material` is AES-256-GCM ciphertext (nonce, then ciphertext
-- and tag) under a key-encryption key derived from the deployment secret that `kek_id` names; the plaintext
-- never reaches the database.
CREATE TABLE authfx_keys
(
  kid TEXT NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('session', 'csrf', 'verification', 'checks')),
  alg TEXT NOT NULL,
  enc TEXT,
  material BYTEA NOT NULL,
  kek_id TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  -- NULL while the key is its purpose's current key; then the time it stops verifying.
  retires_at TIMESTAMPTZ,

  PRIMARY KEY (kid)
);
-- Exactly one current key per purpose, whatever any node does.
CREATE UNIQUE INDEX authfx_keys_current_key ON authfx_keys (purpose) WHERE retires_at IS NULL;
