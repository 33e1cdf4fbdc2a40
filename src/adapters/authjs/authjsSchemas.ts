/**
 * The tables two Auth.js adapters expect, as SQL statements an application (or the demo) runs to create
 * them when they are missing. Every statement is idempotent. authfx's additions are separate from Auth.js's
 * own schema and say why: they are what turns "checked before writing" into "enforced by the database"
 * (see the guarantees in AuthjsUsers.ts).
 */

/** @auth/pg-adapter's schema.sql, as Auth.js ships it (no unique keys, no foreign keys). */
export const pgAdapterSchema: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS verification_token (
    identifier TEXT NOT NULL,
    expires TIMESTAMPTZ NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (identifier, token))`,
  `CREATE TABLE IF NOT EXISTS accounts (
    id SERIAL,
    "userId" INTEGER NOT NULL,
    type VARCHAR(255) NOT NULL,
    provider VARCHAR(255) NOT NULL,
    "providerAccountId" VARCHAR(255) NOT NULL,
    refresh_token TEXT,
    access_token TEXT,
    expires_at BIGINT,
    id_token TEXT,
    scope TEXT,
    session_state TEXT,
    token_type TEXT,
    PRIMARY KEY (id))`,
  `CREATE TABLE IF NOT EXISTS sessions (
    id SERIAL,
    "userId" INTEGER NOT NULL,
    expires TIMESTAMPTZ NOT NULL,
    "sessionToken" VARCHAR(255) NOT NULL,
    PRIMARY KEY (id))`,
  `CREATE TABLE IF NOT EXISTS users (
    id SERIAL,
    name VARCHAR(255),
    email VARCHAR(255),
    "emailVerified" TIMESTAMPTZ,
    image TEXT,
    PRIMARY KEY (id))`
]

/**
 * What authfx adds to @auth/pg-adapter's tables (the same rules as authfx's own PostgreSQL migration 0002):
 * one user per address and one owner per provider account, enforced under concurrency, so the bridge's
 * unique-violation mapping turns a lost race into `EmailTaken` / `AccountAlreadyLinked`; foreign keys so that
 * no account or session outlives its user. Fails on existing duplicates: resolve them first.
 */
export const pgAdapterConstraints: ReadonlyArray<string> = [
  `CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (email)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS accounts_provider_account_key ON accounts (provider, "providerAccountId")`,
  `CREATE UNIQUE INDEX IF NOT EXISTS sessions_token_key ON sessions ("sessionToken")`,
  `CREATE INDEX IF NOT EXISTS accounts_user_idx ON accounts ("userId")`,
  `CREATE INDEX IF NOT EXISTS sessions_user_idx ON sessions ("userId")`,
  `DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'accounts_user_fkey' AND conrelid = to_regclass('accounts')) THEN
      ALTER TABLE accounts ADD CONSTRAINT accounts_user_fkey FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'sessions_user_fkey' AND conrelid = to_regclass('sessions')) THEN
      ALTER TABLE sessions ADD CONSTRAINT sessions_user_fkey FOREIGN KEY ("userId") REFERENCES users (id) ON DELETE CASCADE;
    END IF;
  END $$`
]

/**
 * @auth/kysely-adapter's tables on MySQL / MariaDB, as Auth.js's own Kysely tests create them for MySQL
 * (`User`, `Account`, `Session`, `VerificationToken`; ids VARCHAR(36) UUIDs; DATETIME(3); cascading foreign
 * keys; unique e-mail, session token and verification token), with four changes, each for authfx:
 * - `User.email` may be NULL (Auth.js: NOT NULL): authfx keeps users whose provider shares no address.
 * - `User.emailVerified` has no default (Auth.js: NOW(3)): an insert that left it out would mark an
 *   unverified address verified.
 * - `Account` has UNIQUE (provider, providerAccountId): one owner per provider account (Auth.js's has none).
 * - token and image columns are TEXT (Auth.js: VARCHAR(255)): OpenID id tokens and avatar URLs are longer.
 */
export const kyselyMysqlSchema: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS \`User\` (
    id VARCHAR(36) NOT NULL DEFAULT (UUID()),
    name VARCHAR(255) NULL,
    email VARCHAR(255) NULL,
    emailVerified DATETIME(3) NULL,
    image TEXT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY User_email_key (email))`,
  `CREATE TABLE IF NOT EXISTS \`Account\` (
    userId VARCHAR(36) NOT NULL,
    type VARCHAR(255) NOT NULL,
    provider VARCHAR(255) NOT NULL,
    providerAccountId VARCHAR(255) NOT NULL,
    refresh_token TEXT NULL,
    access_token TEXT NULL,
    expires_at BIGINT NULL,
    token_type VARCHAR(255) NULL,
    scope TEXT NULL,
    id_token TEXT NULL,
    session_state TEXT NULL,
    UNIQUE KEY Account_provider_providerAccountId_key (provider, providerAccountId),
    KEY Account_userId_index (userId),
    CONSTRAINT Account_userId_fk FOREIGN KEY (userId) REFERENCES \`User\` (id) ON DELETE CASCADE)`,
  `CREATE TABLE IF NOT EXISTS \`Session\` (
    userId VARCHAR(36) NOT NULL,
    sessionToken VARCHAR(255) NOT NULL,
    expires DATETIME(3) NOT NULL,
    UNIQUE KEY Session_sessionToken_key (sessionToken),
    KEY Session_userId_index (userId),
    CONSTRAINT Session_userId_fk FOREIGN KEY (userId) REFERENCES \`User\` (id) ON DELETE CASCADE)`,
  `CREATE TABLE IF NOT EXISTS \`VerificationToken\` (
    identifier VARCHAR(255) NOT NULL,
    token VARCHAR(255) NOT NULL,
    expires DATETIME(3) NOT NULL,
    UNIQUE KEY VerificationToken_token_key (token))`
]
