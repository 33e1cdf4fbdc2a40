-- authfx migration 0014: passkeys, kept as Auth.js's experimental WebAuthn keeps them, so an Auth.js database
-- with passkeys carries over (and Auth.js could still read what authfx registers).
--
-- Each passkey is an account of type 'webauthn' whose "providerAccountId" is the credential id, plus a row of
-- the authenticator table (Auth.js's Authenticator model: its names, as Auth.js's Drizzle schema creates it
-- for PostgreSQL; credential id and public key in standard base64). A user may hold several passkeys, so the
-- rule "one account per provider and user" leaves webauthn accounts out: the constraint becomes a partial
-- unique index of the same name (the adapters recognise violations by that name).

ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_user_provider_key;
CREATE UNIQUE INDEX IF NOT EXISTS accounts_user_provider_key ON accounts ("userId", provider) WHERE type <> 'webauthn';
-- The partial index no longer serves every "the user's accounts" lookup, nor the foreign key's cascade.
CREATE INDEX IF NOT EXISTS accounts_user_idx ON accounts ("userId");

-- The counter is an unsigned 32-bit number (WebAuthn §6.1): BIGINT holds all of it. An authenticator table
-- that Auth.js (Drizzle) made already is kept as it is.
CREATE TABLE IF NOT EXISTS authenticator
(
  "credentialID" TEXT NOT NULL,
  "userId" INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  "providerAccountId" TEXT NOT NULL,
  "credentialPublicKey" TEXT NOT NULL,
  counter BIGINT NOT NULL,
  "credentialDeviceType" TEXT NOT NULL,
  "credentialBackedUp" BOOLEAN NOT NULL,
  transports TEXT,

  PRIMARY KEY ("userId", "credentialID"),
  CONSTRAINT "authenticator_credentialID_unique" UNIQUE ("credentialID")
);

-- Unlinking a passkey's account deletes its authenticator in the same statement, so a removed passkey can
-- never sign in again, whichever statement removed the account (the guarded unlink, deleteUser's cascade).
CREATE OR REPLACE FUNCTION authfx_webauthn_unlinked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM authenticator WHERE "userId" = OLD."userId" AND "providerAccountId" = OLD."providerAccountId";
  RETURN NULL;
END $$;
CREATE TRIGGER accounts_webauthn_unlinked AFTER DELETE ON accounts
  FOR EACH ROW WHEN (OLD.type = 'webauthn') EXECUTE FUNCTION authfx_webauthn_unlinked();
