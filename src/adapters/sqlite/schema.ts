/**
 * The embedded store's schema, as migrations applied in order. `PRAGMA user_version` counts how many have
 * run, so opening a file applies only what it lacks. Append a migration; never edit one that has shipped,
 * because it has already run on somebody's file.
 *
 * Conventions: times are integer epoch milliseconds; tables are STRICT so a wrong type is refused on
 * write instead of being read back as something else.
 */
export const migrations: ReadonlyArray<string> = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT,
    -- NULLs never collide in a UNIQUE column, so users without an address do not conflict.
    email TEXT UNIQUE,
    email_verified INTEGER,
    image TEXT
  ) STRICT;

  CREATE TABLE accounts (
    provider TEXT NOT NULL,
    provider_account_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    access_token TEXT,
    refresh_token TEXT,
    id_token TEXT,
    expires_at INTEGER,
    token_type TEXT,
    scope TEXT,
    session_state TEXT,
    needs_reauth INTEGER NOT NULL DEFAULT 0 CHECK (needs_reauth IN (0, 1)),
    -- The refresh claim lives on the account, so unlinking or deleting the user drops it too.
    refresh_holder TEXT,
    refresh_until INTEGER,
    PRIMARY KEY (provider, provider_account_id),
    UNIQUE (user_id, provider)
  ) STRICT;

  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX sessions_user_id ON sessions (user_id);

  CREATE TABLE verification_tokens (
    identifier TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    expires INTEGER NOT NULL,
    PRIMARY KEY (identifier, token_hash)
  ) STRICT;

  CREATE TABLE revoked_token_ids (
    jti TEXT PRIMARY KEY,
    until INTEGER NOT NULL
  ) STRICT;

  -- No foreign key: revoking the tokens of a user who is being deleted must still hold.
  CREATE TABLE revoked_user_tokens (
    user_id TEXT PRIMARY KEY,
    issued_at_or_before INTEGER NOT NULL,
    until INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE keys (
    purpose TEXT NOT NULL CHECK (purpose IN ('session', 'csrf', 'verification', 'checks')),
    kid TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('SecretKey', 'KeyPair')),
    alg TEXT NOT NULL,
    enc TEXT,
    created_at INTEGER NOT NULL,
    -- NULL while the key is current.
    retires_at INTEGER,
    -- Both NULL for a key derived from a configured secret: it is derived again on open, never stored.
    -- Otherwise the key (raw bytes, or the private JWK as JSON) sealed with AES-256-GCM.
    kek_id TEXT,
    wrapped BLOB,
    public_jwk TEXT,
    PRIMARY KEY (purpose, kid),
    CHECK ((kek_id IS NULL) = (wrapped IS NULL)),
    CHECK ((kind = 'KeyPair') = (public_jwk IS NOT NULL)),
    CHECK (kind = 'SecretKey' OR wrapped IS NOT NULL)
  ) STRICT;
  -- The contract's "exactly one current key per purpose", held by the database for every process.
  CREATE UNIQUE INDEX keys_one_current ON keys (purpose) WHERE retires_at IS NULL;
  `,
  `
  -- The provider a session was signed in with, so that unlinking it ends exactly the sessions it started.
  -- NULL for sessions from before this column.
  ALTER TABLE sessions ADD COLUMN via TEXT;

  -- "Sign out the sessions of this provider": every JWT of the user with that via, issued at or before
  -- issued_at_or_before, is revoked until then. No foreign key, as for revoked_user_tokens.
  CREATE TABLE revoked_user_via_tokens (
    user_id TEXT NOT NULL,
    via TEXT NOT NULL,
    issued_at_or_before INTEGER NOT NULL,
    until INTEGER NOT NULL,
    PRIMARY KEY (user_id, via)
  ) STRICT;
  `,
  // The `tokens` purpose (the key that seals OAuth tokens at rest). SQLite cannot alter a CHECK, so the table is
  // made again with the wider one and its rows copied over, as https://sqlite.org/lang_altertable.html says.
  `
  CREATE TABLE keys_with_tokens (
    purpose TEXT NOT NULL CHECK (purpose IN ('session', 'csrf', 'verification', 'checks', 'tokens')),
    kid TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('SecretKey', 'KeyPair')),
    alg TEXT NOT NULL,
    enc TEXT,
    created_at INTEGER NOT NULL,
    retires_at INTEGER,
    kek_id TEXT,
    wrapped BLOB,
    public_jwk TEXT,
    PRIMARY KEY (purpose, kid),
    CHECK ((kek_id IS NULL) = (wrapped IS NULL)),
    CHECK ((kind = 'KeyPair') = (public_jwk IS NOT NULL)),
    CHECK (kind = 'SecretKey' OR wrapped IS NOT NULL)
  ) STRICT;
  INSERT INTO keys_with_tokens (purpose, kid, kind, alg, enc, created_at, retires_at, kek_id, wrapped, public_jwk)
    SELECT purpose, kid, kind, alg, enc, created_at, retires_at, kek_id, wrapped, public_jwk FROM keys;
  DROP TABLE keys;
  ALTER TABLE keys_with_tokens RENAME TO keys;
  CREATE UNIQUE INDEX keys_one_current ON keys (purpose) WHERE retires_at IS NULL;
  `,
  // No stored id says anything about a secret. `kek_id` (an HKDF of the secret that sealed a row) goes:
  // SqliteKeyStore finds the key-encryption key by trial. A derived key's row, named until now by a kid that
  // was an HKDF of its secret, becomes 'legacy': the next store that has the secret rewrites it under a
  // random kid (SQL cannot: it takes the secret). Sealed material is copied as it is, so no key is lost.
  `
  CREATE TABLE keys_next (
    purpose TEXT NOT NULL CHECK (purpose IN ('session', 'csrf', 'verification', 'checks', 'tokens')),
    kid TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('SecretKey', 'KeyPair')),
    alg TEXT NOT NULL,
    enc TEXT,
    created_at INTEGER NOT NULL,
    -- NULL while the key is current.
    retires_at INTEGER,
    -- How the row holds its key:
    -- 'sealed': wrapped is the key (raw bytes, or the private JWK as JSON) sealed with AES-256-GCM under a
    --   configured secret's key-encryption key;
    -- 'derived': the key is the one a configured secret derives for this purpose and algorithm; wrapped
    --   seals an empty plaintext under that secret's key-encryption key, so the KEK that opens it names the
    --   secret, to a store that has it and to nobody else;
    -- 'legacy': a derived key as migration 1 recorded it (wrapped NULL, the kid an HKDF of the secret).
    origin TEXT NOT NULL CHECK (origin IN ('sealed', 'derived', 'legacy')),
    wrapped BLOB,
    public_jwk TEXT,
    PRIMARY KEY (purpose, kid),
    CHECK ((origin = 'legacy') = (wrapped IS NULL)),
    CHECK ((kind = 'KeyPair') = (public_jwk IS NOT NULL)),
    CHECK (kind = 'SecretKey' OR origin = 'sealed')
  ) STRICT;
  INSERT INTO keys_next (purpose, kid, kind, alg, enc, created_at, retires_at, origin, wrapped, public_jwk)
    SELECT purpose, kid, kind, alg, enc, created_at, retires_at,
      CASE WHEN wrapped IS NULL THEN 'legacy' ELSE 'sealed' END, wrapped, public_jwk
    FROM keys;
  DROP TABLE keys;
  ALTER TABLE keys_next RENAME TO keys;
  CREATE UNIQUE INDEX keys_one_current ON keys (purpose) WHERE retires_at IS NULL;
  `,
  // The Ledger (src/ports/Ledger.ts): short-lived entries under string keys — revocations, refresh claims,
  // counters. An entry whose expires_at is at or before now is absent; SqliteLedger compares with the now
  // of Effect's Clock, never SQLite's, and the index is what its bounded sweep scans.
  `
  CREATE TABLE ledger (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX ledger_expires_at ON ledger (expires_at);
  `,
  // Revocations move to the ledger, where the domain keeps them now (src/domain/revocation.ts), and the refresh
  // claim leaves the account row (the domain keeps it in the ledger too). Every revocation is carried over, so
  // no signed-out session comes back to life; a claim lasts seconds, so the ones in flight are let go. Keys and
  // values are the domain's ("<issued at or before>:<until>", epoch milliseconds; a token id covers every token
  // issued, so its first number is 2^53 - 1). The domain URI-encodes each part of a key; every id in these
  // tables was written by authfx (token ids base64url or UUIDs, user ids UUIDs, provider ids [a-z0-9_-]), all
  // characters URI encoding leaves as they are, so they go in as they are — the GLOBs keep exactly such rows.
  `
  INSERT OR IGNORE INTO ledger (key, value, expires_at)
    SELECT 'revoked:jti:' || jti, '9007199254740991:' || until, until FROM revoked_token_ids
    WHERE jti <> '' AND jti NOT GLOB '*[^A-Za-z0-9_.!~*''()-]*';
  INSERT OR IGNORE INTO ledger (key, value, expires_at)
    SELECT 'revoked:user:' || user_id, issued_at_or_before || ':' || until, until FROM revoked_user_tokens
    WHERE user_id <> '' AND user_id NOT GLOB '*[^A-Za-z0-9_.!~*''()-]*';
  INSERT OR IGNORE INTO ledger (key, value, expires_at)
    SELECT 'revoked:user-via:' || user_id || ':' || via, issued_at_or_before || ':' || until, until
    FROM revoked_user_via_tokens
    WHERE user_id <> '' AND user_id NOT GLOB '*[^A-Za-z0-9_.!~*''()-]*'
      AND via <> '' AND via NOT GLOB '*[^A-Za-z0-9_.!~*''()-]*';
  DROP TABLE revoked_token_ids;
  DROP TABLE revoked_user_tokens;
  DROP TABLE revoked_user_via_tokens;
  ALTER TABLE accounts DROP COLUMN refresh_holder;
  ALTER TABLE accounts DROP COLUMN refresh_until;
  `,
  // Stored keys are sealed as PostgreSQL's are (adapters/keyring/storedKeySealing.ts). `sealing` says how
  // a row's `wrapped` is sealed: 'sqlite' as this store sealed until now (sqlite/priorKeySealing.ts), which the
  // next store that has the row's secret reseals, or 'shared'; NULL where nothing is (a 'legacy' row). SQL
  // cannot reseal (it takes the secret), so every row is marked 'sqlite' and no key is lost. The step also
  // makes an authfx from before refuse the file (a newer schema) rather than take the resealed keys for lost
  // ones and replace them.
  `
  ALTER TABLE keys ADD COLUMN sealing TEXT CHECK (sealing IN ('sqlite', 'shared'));
  UPDATE keys SET sealing = 'sqlite' WHERE wrapped IS NOT NULL;
  `,
  // What a user's session list shows of a database session, and its auth time for the step-up rule
  // (src/domain/stepUp.ts); epoch milliseconds, NULL for sessions from before these columns.
  `
  ALTER TABLE sessions ADD COLUMN created_at INTEGER;
  ALTER TABLE sessions ADD COLUMN auth_time INTEGER;
  ALTER TABLE sessions ADD COLUMN client TEXT;
  `,
  // Passkeys, as Auth.js keeps them: each one is a "webauthn" account (so a user may hold several at one
  // provider: the one-account-per-provider rule becomes a partial index that leaves them out; SQLite cannot
  // drop a table constraint, so the table is rebuilt) with an authenticator row (Auth.js's Authenticator:
  // credential id and public key in standard base64). Unlinking the account deletes its authenticator in the
  // same statement (the trigger), so a removed passkey can never sign in again.
  `
  CREATE TABLE accounts_next (
    provider TEXT NOT NULL,
    provider_account_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    access_token TEXT,
    refresh_token TEXT,
    id_token TEXT,
    expires_at INTEGER,
    token_type TEXT,
    scope TEXT,
    session_state TEXT,
    needs_reauth INTEGER NOT NULL DEFAULT 0 CHECK (needs_reauth IN (0, 1)),
    PRIMARY KEY (provider, provider_account_id)
  ) STRICT;
  INSERT INTO accounts_next SELECT provider, provider_account_id, user_id, type, access_token, refresh_token,
    id_token, expires_at, token_type, scope, session_state, needs_reauth FROM accounts;
  DROP TABLE accounts;
  ALTER TABLE accounts_next RENAME TO accounts;
  CREATE UNIQUE INDEX accounts_user_provider ON accounts (user_id, provider) WHERE type <> 'webauthn';
  CREATE INDEX accounts_user_id ON accounts (user_id);

  CREATE TABLE authenticators (
    credential_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider_account_id TEXT NOT NULL,
    credential_public_key TEXT NOT NULL,
    counter INTEGER NOT NULL,
    credential_device_type TEXT NOT NULL,
    credential_backed_up INTEGER NOT NULL CHECK (credential_backed_up IN (0, 1)),
    transports TEXT
  ) STRICT;
  CREATE INDEX authenticators_user_id ON authenticators (user_id);
  CREATE TRIGGER accounts_webauthn_unlinked AFTER DELETE ON accounts WHEN old.type = 'webauthn'
  BEGIN
    DELETE FROM authenticators WHERE user_id = old.user_id AND provider_account_id = old.provider_account_id;
  END;
  `,
  // Two-factor sign-in (src/domain/twoFactor): one TOTP enrolment per user, its secret as the Users above it
  // stored it (sealed by adapters/sealedTokens), its backup code hashes as a JSON array. Times in epoch ms.
  `
  CREATE TABLE two_factor (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    enrolment_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    enabled_at INTEGER,
    last_step INTEGER,
    backup_codes TEXT NOT NULL DEFAULT '[]'
  ) STRICT;
  `
]
