/** The statements of SqliteUsers: one per operation, but for the guarded unlink's check and delete. */
import { accountColumns, authenticatorColumns, changeableColumns, sessionColumns, tokenColumns, userColumns } from "./userRows.ts"

const byKey = "provider = :provider AND provider_account_id = :provider_account_id"
const tokenAssignments = "access_token = :access_token, refresh_token = :refresh_token, id_token = :id_token, " +
  "expires_at = :expires_at, token_type = :token_type, scope = :scope, session_state = :session_state"
const tokenValues = ":access_token, :refresh_token, :id_token, :expires_at, :token_type, :scope, :session_state"
const setIfNamed = (column: string) => `${column} = CASE WHEN :set_${column} THEN :${column} ELSE ${column} END`

export const statements = {
  insertAuthenticator: `INSERT INTO authenticators (${authenticatorColumns}) VALUES (:credential_id, :user_id,
    :provider_account_id, :credential_public_key, :counter, :credential_device_type, :credential_backed_up, :transports)
    RETURNING ${authenticatorColumns}`,
  authenticatorById: `SELECT ${authenticatorColumns} FROM authenticators WHERE credential_id = :credential_id`,
  authenticatorsOfUser: `SELECT ${authenticatorColumns} FROM authenticators WHERE user_id = :user_id`,
  // The counter's compare-and-set: one statement, so of two concurrent sign-ins from one counter one writes.
  updateCounter: `UPDATE authenticators SET counter = :next WHERE credential_id = :credential_id AND counter = :expected`,

  insertUser: `INSERT INTO users (${userColumns}) VALUES (:id, :name, :email, :email_verified, :image)
    RETURNING ${userColumns}`,
  userById: `SELECT ${userColumns} FROM users WHERE id = :id`,
  userByEmail: `SELECT ${userColumns} FROM users WHERE email = :email`,
  userByAccount: `SELECT u.id, u.name, u.email, u.email_verified, u.image
    FROM accounts a JOIN users u ON u.id = a.user_id
    WHERE a.provider = :provider AND a.provider_account_id = :provider_account_id`,
  // One statement for any patch: a flag per column says whether the patch names it.
  updateUser: `UPDATE users SET
      name = CASE WHEN :set_name THEN :name ELSE name END,
      email = CASE WHEN :set_email THEN :email ELSE email END,
      email_verified = CASE WHEN :set_email_verified THEN :email_verified ELSE email_verified END,
      image = CASE WHEN :set_image THEN :image ELSE image END
    WHERE id = :id RETURNING ${userColumns}`,
  deleteUser: "DELETE FROM users WHERE id = :id",

  insertAccount: `INSERT INTO accounts (${accountColumns})
    VALUES (:provider, :provider_account_id, :user_id, :type, ${tokenValues}, :needs_reauth)
    RETURNING ${accountColumns}`,
  deleteAccount: `DELETE FROM accounts WHERE ${byKey} RETURNING ${accountColumns}`,
  accountByKey: `SELECT ${accountColumns} FROM accounts WHERE ${byKey}`,
  signInMethods: `SELECT
      (SELECT count(*) FROM accounts WHERE user_id = :user_id) AS accounts,
      EXISTS (SELECT 1 FROM users WHERE id = :user_id AND email IS NOT NULL AND email_verified IS NOT NULL)
        AS verified_email`,
  accountsOfUser: `SELECT ${accountColumns} FROM accounts WHERE user_id = :user_id`,
  accountOfUser: `SELECT ${accountColumns} FROM accounts WHERE user_id = :user_id AND provider = :provider`,
  updateTokens: `UPDATE accounts SET ${tokenAssignments}, needs_reauth = 0 WHERE ${byKey} RETURNING ${accountColumns}`,
  // A compare-and-set on the three secrets (IS, not =: SQLite's null-safe equality, so a null secret matches a
  // null expected one), changing only the columns the change names.
  updateAccountIf: `UPDATE accounts SET ${changeableColumns.map(setIfNamed).join(", ")}
    WHERE ${byKey} AND access_token IS :expected_access_token AND refresh_token IS :expected_refresh_token
      AND id_token IS :expected_id_token
    RETURNING ${accountColumns}`,
  // The primary key's order, so each page is a range scan of its index.
  firstAccounts: `SELECT ${accountColumns} FROM accounts ORDER BY provider, provider_account_id LIMIT :limit`,
  accountsAfter: `SELECT ${accountColumns} FROM accounts
    WHERE (provider, provider_account_id) > (:provider, :provider_account_id)
    ORDER BY provider, provider_account_id LIMIT :limit`,

  // A token hash is SHA-256 of 256 random bits, so a conflict is a retried write: it replaces, as in memory.
  upsertSession: `INSERT INTO sessions (${sessionColumns}) VALUES (:token_hash, :user_id, :expires, :via, :created_at, :auth_time, :client)
    ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, expires = excluded.expires, via = excluded.via,
      created_at = excluded.created_at, auth_time = excluded.auth_time, client = excluded.client
    RETURNING ${sessionColumns}`,
  sessionAndUser: `SELECT s.token_hash, s.user_id, s.expires, s.via, s.created_at, s.auth_time, s.client, u.id, u.name, u.email, u.email_verified, u.image
    FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = :token_hash`,
  updateSessionExpiry: `UPDATE sessions SET expires = :expires WHERE token_hash = :token_hash
    RETURNING ${sessionColumns}`,
  deleteSession: `DELETE FROM sessions WHERE token_hash = :token_hash RETURNING ${sessionColumns}`,
  sessionsOfUser: `SELECT ${sessionColumns} FROM sessions WHERE user_id = :user_id`,
  deleteUserSessions: "DELETE FROM sessions WHERE user_id = :user_id",
  deleteUserSessionsVia: "DELETE FROM sessions WHERE user_id = :user_id AND via = :via",

  upsertToken: `INSERT INTO verification_tokens (${tokenColumns}) VALUES (:identifier, :token_hash, :expires)
    ON CONFLICT (identifier, token_hash) DO UPDATE SET expires = excluded.expires`,
  consumeToken: `DELETE FROM verification_tokens WHERE identifier = :identifier AND token_hash = :token_hash
    RETURNING ${tokenColumns}`,
  // The primary key (identifier, token_hash) serves this lookup.
  tokensOf: `SELECT ${tokenColumns} FROM verification_tokens WHERE identifier = :identifier`,
  deleteToken: "DELETE FROM verification_tokens WHERE identifier = :identifier AND token_hash = :token_hash",

  // Bounded: a sweep deletes at most :limit rows of each table, so it never holds the file for long.
  deleteExpiredTokens: `DELETE FROM verification_tokens WHERE rowid IN
    (SELECT rowid FROM verification_tokens WHERE expires <= :now LIMIT :limit)`,
  deleteExpiredSessions: `DELETE FROM sessions WHERE rowid IN
    (SELECT rowid FROM sessions WHERE expires <= :now LIMIT :limit)`
} as const
