import { Effect, Option } from "effect"
import type { Account, AccountKey } from "../../domain/Account.ts"
import { LastSignInMethod, type UsersUnavailable } from "../../ports/Users.ts"
import type { Client } from "./PostgresClient.ts"
import { type Row, toAccount, unavailable } from "./userRows.ts"

/**
 * `unlinkAccount` with `keepSignInMethod`: removes the account only if its user keeps a way in — the domain's
 * `keepsAWayIn` (src/domain/linkDecision.ts), in SQL: another account or (when it counts) a verified address — atomically, also when two unlinks of one user's last two accounts
 * run at once.
 *
 * Two statements in one transaction, sent together. The first locks the owner's row, so concurrent guarded
 * unlinks of one user queue up. The second starts after the lock is granted, with a fresh snapshot that sees
 * what the unlink ahead of it deleted. One statement cannot do both: under READ COMMITTED its subqueries
 * would count from the snapshot taken before it waited for the lock. (NO KEY UPDATE: sign-ins creating the
 * user's sessions, whose foreign-key checks take KEY SHARE, are not held up.)
 */
export const guardedUnlink = (
  client: Client,
  key: AccountKey,
  verifiedEmailCounts: boolean
): Effect.Effect<Option.Option<Account>, LastSignInMethod | UsersUnavailable> =>
  client.run((db) =>
    db.begin((tx) => [
      tx`
        SELECT 1 FROM users u JOIN accounts a ON a."userId" = u.id
        WHERE a.provider = ${key.provider} AND a."providerAccountId" = ${key.providerAccountId}
        FOR NO KEY UPDATE OF u`,
      tx`
        WITH target AS (
          SELECT a.id, a."userId" FROM accounts a
          WHERE a.provider = ${key.provider} AND a."providerAccountId" = ${key.providerAccountId}
        ), verdict AS (
          -- keepsAWayIn (src/domain/linkDecision.ts): another account, or a verified address when it counts.
          SELECT t.id,
            EXISTS (SELECT 1 FROM accounts o WHERE o."userId" = t."userId" AND o.id <> t.id)
            OR (${verifiedEmailCounts}::boolean AND EXISTS (
              SELECT 1 FROM users u
              WHERE u.id = t."userId" AND u.email IS NOT NULL AND u."emailVerified" IS NOT NULL
            )) AS allowed
          FROM target t
        ), removed AS (
          DELETE FROM accounts a USING verdict v WHERE a.id = v.id AND v.allowed
          RETURNING a.id AS removed_id, a.provider, a."providerAccountId", a."userId", a.type, a.access_token,
            a.refresh_token, a.id_token, a.expires_at, a.token_type, a.scope, a.session_state, a.needs_reauth
        )
        SELECT v.allowed, r.* FROM verdict v LEFT JOIN removed r ON r.removed_id = v.id`
    ])
  ).pipe(
    Effect.mapError(unavailable),
    Effect.flatMap(([, verdict]): Effect.Effect<Option.Option<Account>, LastSignInMethod | UsersUnavailable> => {
      // No row: the account is not linked (any more). A row that is not allowed: the guard refused.
      const row: Row | undefined = verdict?.[0]
      if (row === undefined) return Effect.succeedNone
      if (row["allowed"] !== true) return Effect.fail(new LastSignInMethod({ provider: key.provider }))
      return Effect.asSome(toAccount(row))
    })
  )
