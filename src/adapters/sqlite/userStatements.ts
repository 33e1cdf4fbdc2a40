/** The statements of SqliteUsers: one per operation, but for the guarded unlink's check and delete. */
import { accountColumns, sessionColumns, tokenColumns, userColumns } from "./userRows.ts"

const byKey = "provider = :provider AND provider_account_id = :provider_account_id"
const tokenAssignments = "access_token = :access_token, refresh_token = :refresh_token, id_token = :id_token, " +
  "expires_at = :expires_at, token_type = :token_type, scope = :scope, session_state = :session_state"
const tokenValues = ":access_token, :refresh_token, :id_token, :expires_at, :token_type, :scope, :session_state"
const keepUnlessRefreshed = (column: string) => `${column} = CASE WHEN :refreshed THEN :${column} ELSE ${column} END`

export const statements = {
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
  claimRefresh: `UPDATE accounts SET refresh_holder = :holder, refresh_until = :until
    WHERE ${byKey} AND (refresh_holder IS NULL OR refresh_holder = :holder OR refresh_until <= :now)`,
  completeRefresh: `UPDATE accounts SET
      ${
    ["access_token", "refresh_token", "id_token", "expires_at", "token_type", "scope", "session_state"]
      .map(keepUnlessRefreshed).join(",\n      ")
  },
      needs_reauth = CASE WHEN :refreshed THEN 0 WHEN :needs_reauth THEN 1 ELSE needs_reauth END,
      refresh_holder = NULL,
      refresh_until = NULL
    WHERE ${byKey} AND refresh_holder = :holder
    RETURNING ${accountColumns}`,
  // The primary key's order, so each page is a range scan of its index.
  firstAccounts: `SELECT ${accountColumns} FROM accounts ORDER BY provider, provider_account_id LIMIT :limit`,
  accountsAfter: `SELECT ${accountColumns} FROM accounts
    WHERE (provider, provider_account_id) > (:provider, :provider_account_id)
    ORDER BY provider, provider_account_id LIMIT :limit`,
  // IS, not =: it is SQLite's null-safe equality, so a null secret matches a null expected one.
  replaceSecrets: `UPDATE accounts SET access_token = :next_access_token, refresh_token = :next_refresh_token,
      id_token = :next_id_token
    WHERE ${byKey} AND access_token IS :access_token AND refresh_token IS :refresh_token AND id_token IS :id_token`,

  // A token hash is SHA-256 of 256 random bits, so a conflict is a retried write: it replaces, as in memory.
  upsertSession: `INSERT INTO sessions (${sessionColumns}) VALUES (:token_hash, :user_id, :expires, :via)
    ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, expires = excluded.expires, via = excluded.via
    RETURNING ${sessionColumns}`,
  sessionAndUser: `SELECT s.token_hash, s.user_id, s.expires, s.via, u.id, u.name, u.email, u.email_verified, u.image
    FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = :token_hash`,
  updateSessionExpiry: `UPDATE sessions SET expires = :expires WHERE token_hash = :token_hash
    RETURNING ${sessionColumns}`,
  deleteSession: `DELETE FROM sessions WHERE token_hash = :token_hash RETURNING ${sessionColumns}`,
  deleteUserSessions: "DELETE FROM sessions WHERE user_id = :user_id",
  deleteUserSessionsVia: "DELETE FROM sessions WHERE user_id = :user_id AND via = :via",

  upsertToken: `INSERT INTO verification_tokens (${tokenColumns}) VALUES (:identifier, :token_hash, :expires)
    ON CONFLICT (identifier, token_hash) DO UPDATE SET expires = excluded.expires`,
  consumeToken: `DELETE FROM verification_tokens WHERE identifier = :identifier AND token_hash = :token_hash
    RETURNING ${tokenColumns}`,

  revokeJti: `INSERT INTO revoked_token_ids (jti, until) VALUES (:jti, :until)
    ON CONFLICT (jti) DO UPDATE SET until = max(until, excluded.until)`,
  revokeUser: `INSERT INTO revoked_user_tokens (user_id, issued_at_or_before, until)
    VALUES (:user_id, :issued_at_or_before, :until)
    ON CONFLICT (user_id) DO UPDATE SET
      issued_at_or_before = max(issued_at_or_before, excluded.issued_at_or_before),
      until = max(until, excluded.until)`,
  revokeUserVia: `INSERT INTO revoked_user_via_tokens (user_id, via, issued_at_or_before, until)
    VALUES (:user_id, :via, :issued_at_or_before, :until)
    ON CONFLICT (user_id, via) DO UPDATE SET
      issued_at_or_before = max(issued_at_or_before, excluded.issued_at_or_before),
      until = max(until, excluded.until)`,
  isRevoked: `SELECT
      EXISTS (SELECT 1 FROM revoked_token_ids WHERE jti = :jti AND until > :now)
      OR EXISTS (SELECT 1 FROM revoked_user_tokens
        WHERE user_id = :user_id AND until > :now AND issued_at_or_before >= :issued_at)
      OR EXISTS (SELECT 1 FROM revoked_user_via_tokens
        WHERE user_id = :user_id AND via = :via AND until > :now AND issued_at_or_before >= :issued_at) AS revoked`,

  sweepTokens: "DELETE FROM verification_tokens WHERE expires <= :now",
  sweepJtis: "DELETE FROM revoked_token_ids WHERE until <= :now",
  sweepUsers: "DELETE FROM revoked_user_tokens WHERE until <= :now",
  sweepUserVias: "DELETE FROM revoked_user_via_tokens WHERE until <= :now"
} as const
