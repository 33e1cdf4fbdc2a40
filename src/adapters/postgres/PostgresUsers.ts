import { Effect, Layer, Option } from "effect"
import type postgres from "postgres"
import { emptyTokenSet, type TokenSet } from "../../domain/Account.ts"
import {
  AccountAlreadyLinked,
  AccountNotFound,
  AuthenticatorExists,
  EmailTaken,
  UserNotFound,
  Users,
  UsersUnavailable
} from "../../ports/Users.ts"
import { type Client, type Pending, PostgresClient } from "./PostgresClient.ts"
import { constraints, isForeignKeyViolation, isUniqueViolation, type SqlError } from "./sqlErrors.ts"
import { cappedTokenInsert } from "./cappedTokenInsert.ts"
import { guardedUnlink } from "./guardedUnlink.ts"
import { twoFactorMethods } from "./twoFactorStatements.ts"
import {
  dateToSeconds,
  dbId,
  optional,
  revealed,
  type Row,
  single,
  toAccount,
  toAuthenticator,
  toSession,
  toUser,
  toVerificationToken,
  unavailable
} from "./userRows.ts"

const noRow = (table: string) => new UsersUnavailable({ message: `PostgreSQL returned no ${table} row for a write` })

/**
 * The Users on PostgreSQL, over the tables of migrations/ (Auth.js's four tables plus authfx's).
 * Each operation is one statement, so the database's row locking gives the atomicity the port asks for:
 * a DELETE … RETURNING consumes a token once, a conditional UPDATE stores a token refresh once, a unique
 * constraint refuses the second of two concurrent sign-ups. The exception is a guarded unlink, which needs
 * a lock before it can count (see unlinkAccount).
 */
export const make = (client: Client): Users["Service"] => {
  type Query = (db: postgres.Sql) => Pending<ReadonlyArray<Row>>
  /** The statement's rows; every failure is an outage. */
  const rows = (query: Query): Effect.Effect<ReadonlyArray<Row>, UsersUnavailable> =>
    Effect.mapError(client.run(query), unavailable)
  /** The statement's rows; `domain` turns the failures the operation expects into its tagged errors. */
  const rowsOr = <E>(query: Query, domain: (error: SqlError) => E | null) =>
    Effect.mapError(client.run(query), (error): E | UsersUnavailable => domain(error) ?? unavailable(error))

  // Fragments hold only text and parameters, so they serve whichever pool runs the statement.
  const sql = client.sql
  const userColumns = sql`id, name, email, "emailVerified", image`
  const accountColumns = sql`
    provider, "providerAccountId", "userId", type, access_token, refresh_token, id_token, expires_at,
    token_type, scope, session_state, needs_reauth`
  const sessionColumns = sql`"sessionToken", "userId", expires, via, created_at, auth_time, client`
  const tokenColumns = sql`identifier, token, expires`
  const authenticatorColumns = sql`
    "credentialID", "userId", "providerAccountId", "credentialPublicKey", counter, "credentialDeviceType",
    "credentialBackedUp", transports`

  const tokenValues = (tokens: TokenSet) => sql`
    access_token = ${revealed(tokens.accessToken)}::text,
    refresh_token = ${revealed(tokens.refreshToken)}::text,
    id_token = ${revealed(tokens.idToken)}::text,
    expires_at = ${dateToSeconds(tokens.expiresAt)}::bigint,
    token_type = ${tokens.tokenType}::text,
    scope = ${tokens.scope}::text,
    session_state = ${tokens.sessionState}::text`

  const emailTaken = (error: SqlError) => isUniqueViolation(error, constraints.userEmail) ? new EmailTaken() : null

  return Users.of({
    ...twoFactorMethods(client),
    createUser: (input) =>
      rowsOr(
        (db) =>
          db`
            INSERT INTO users (name, email, "emailVerified", image)
            VALUES (${input.name}, ${input.email}, ${input.emailVerified}, ${input.image})
            RETURNING ${userColumns}`,
        emailTaken
      ).pipe(Effect.flatMap((found) => single(found, toUser, () => noRow("users")))),
    getUser: (id) =>
      Effect.flatMap(rows((db) => db`SELECT ${userColumns} FROM users WHERE id = ${dbId(id)}::bigint`), (found) =>
        optional(found, toUser)),
    getUserByEmail: (email) =>
      Effect.flatMap(rows((db) => db`SELECT ${userColumns} FROM users WHERE email = ${email}`), (found) =>
        optional(found, toUser)),
    getUserByAccount: (key) =>
      Effect.flatMap(
        rows((db) =>
          db`
            SELECT u.id, u.name, u.email, u."emailVerified", u.image
            FROM accounts a JOIN users u ON u.id = a."userId"
            WHERE a.provider = ${key.provider} AND a."providerAccountId" = ${key.providerAccountId}`
        ),
        (found) => optional(found, toUser)
      ),
    updateUser: (id, patch) => {
      // Absent keys keep the column: one statement for every patch shape, so no read-then-write.
      const set = <A>(value: A | undefined) => ({ given: value !== undefined, value: value ?? null })
      const [name, email, verified, image] = [set(patch.name), set(patch.email), set(patch.emailVerified), set(patch.image)]
      return rowsOr(
        (db) =>
          db`
            UPDATE users SET
              name = CASE WHEN ${name.given} THEN ${name.value}::text ELSE name END,
              email = CASE WHEN ${email.given} THEN ${email.value}::text ELSE email END,
              "emailVerified" = CASE WHEN ${verified.given} THEN ${verified.value}::timestamptz ELSE "emailVerified" END,
              image = CASE WHEN ${image.given} THEN ${image.value}::text ELSE image END
            WHERE id = ${dbId(id)}::bigint
            RETURNING ${userColumns}`,
        emailTaken
      ).pipe(Effect.flatMap((found) => single(found, toUser, () => new UserNotFound())))
    },
    // The foreign keys cascade to the user's accounts and sessions, in the same statement.
    deleteUser: (id) =>
      Effect.map(rows((db) => db`DELETE FROM users WHERE id = ${dbId(id)}::bigint RETURNING id`), (found) => found.length > 0),

    linkAccount: (account) =>
      rowsOr(
        // INSERT … SELECT: a missing user inserts nothing (and one deleted meanwhile trips the foreign key).
        (db) =>
          db`
            INSERT INTO accounts (
              "userId", type, provider, "providerAccountId", access_token, refresh_token, id_token, expires_at,
              token_type, scope, session_state, needs_reauth)
            SELECT u.id, ${account.type}::text, ${account.provider}::text, ${account.providerAccountId}::text,
              ${revealed(account.accessToken)}::text, ${revealed(account.refreshToken)}::text,
              ${revealed(account.idToken)}::text, ${dateToSeconds(account.expiresAt)}::bigint,
              ${account.tokenType}::text, ${account.scope}::text, ${account.sessionState}::text,
              ${account.needsReauth}::boolean
            FROM users u WHERE u.id = ${dbId(account.userId)}::bigint
            RETURNING ${accountColumns}`,
        (error) =>
          isUniqueViolation(error, constraints.accountProviderId, constraints.accountUserProvider)
            ? new AccountAlreadyLinked({ provider: account.provider })
            : isForeignKeyViolation(error, constraints.accountUser)
            ? new UserNotFound()
            : null
      ).pipe(Effect.flatMap((found) => single(found, toAccount, () => new UserNotFound()))),
    unlinkAccount: (key, options) => {
      const guard = options?.keepSignInMethod
      if (guard === undefined) {
        return Effect.flatMap(
          rows((db) =>
            db`
              DELETE FROM accounts WHERE provider = ${key.provider} AND "providerAccountId" = ${key.providerAccountId}
              RETURNING ${accountColumns}`
          ),
          (found) => optional(found, toAccount)
        )
      }
      return guardedUnlink(client, key, guard.verifiedEmailCounts)
    },
    getAccount: (key) =>
      Effect.flatMap(
        rows((db) =>
          db`
            SELECT ${accountColumns} FROM accounts
            WHERE provider = ${key.provider} AND "providerAccountId" = ${key.providerAccountId}`
        ),
        (found) => optional(found, toAccount)
      ),
    listAccounts: (userId) =>
      Effect.flatMap(
        rows((db) => db`SELECT ${accountColumns} FROM accounts WHERE "userId" = ${dbId(userId)}::bigint ORDER BY id`),
        (found) => Effect.forEach(found, toAccount)
      ),
    getUserAccount: (userId, provider) =>
      Effect.flatMap(
        rows((db) =>
          db`SELECT ${accountColumns} FROM accounts WHERE "userId" = ${dbId(userId)}::bigint AND provider = ${provider}`
        ),
        (found) => optional(found, toAccount)
      ),
    updateAccountTokens: (key, tokens) =>
      Effect.flatMap(
        rows((db) =>
          db`
            UPDATE accounts SET ${tokenValues(tokens)}, needs_reauth = false
            WHERE provider = ${key.provider} AND "providerAccountId" = ${key.providerAccountId}
            RETURNING ${accountColumns}`
        ),
        (found) => single(found, toAccount, () => new AccountNotFound({ provider: key.provider }))
      ),
    // The order of accounts_provider_account_key, so each page is a range scan of that index.
    pageAccounts: (after, limit) =>
      Effect.flatMap(
        rows((db) =>
          after === null
            ? db`SELECT ${accountColumns} FROM accounts ORDER BY provider, "providerAccountId" LIMIT ${limit}`
            : db`
              SELECT ${accountColumns} FROM accounts
              WHERE (provider, "providerAccountId") > (${after.provider}::text, ${after.providerAccountId}::text)
              ORDER BY provider, "providerAccountId" LIMIT ${limit}`
        ),
        (found) => Effect.forEach(found, toAccount)
      ),
    // One UPDATE: a concurrent one blocks on the row, then re-checks the WHERE against what the first wrote.
    updateAccountIf: (key, expected, change) => {
      const tokens = { ...emptyTokenSet, ...change.tokens }
      const named = (field: keyof TokenSet) => change.tokens !== undefined && field in change.tokens
      return Effect.flatMap(
        rows((db) =>
          db`
            UPDATE accounts SET
              access_token = CASE WHEN ${named("accessToken")} THEN ${revealed(tokens.accessToken)}::text ELSE access_token END,
              refresh_token = CASE WHEN ${named("refreshToken")} THEN ${revealed(tokens.refreshToken)}::text ELSE refresh_token END,
              id_token = CASE WHEN ${named("idToken")} THEN ${revealed(tokens.idToken)}::text ELSE id_token END,
              expires_at = CASE WHEN ${named("expiresAt")} THEN ${dateToSeconds(tokens.expiresAt)}::bigint ELSE expires_at END,
              token_type = CASE WHEN ${named("tokenType")} THEN ${tokens.tokenType}::text ELSE token_type END,
              scope = CASE WHEN ${named("scope")} THEN ${tokens.scope}::text ELSE scope END,
              session_state = CASE WHEN ${named("sessionState")} THEN ${tokens.sessionState}::text ELSE session_state END,
              needs_reauth = CASE WHEN ${change.needsReauth !== undefined} THEN ${change.needsReauth === true} ELSE needs_reauth END
            WHERE provider = ${key.provider} AND "providerAccountId" = ${key.providerAccountId}
              AND access_token IS NOT DISTINCT FROM ${revealed(expected.accessToken)}::text
              AND refresh_token IS NOT DISTINCT FROM ${revealed(expected.refreshToken)}::text
              AND id_token IS NOT DISTINCT FROM ${revealed(expected.idToken)}::text
            RETURNING ${accountColumns}`
        ),
        (found) => optional(found, toAccount)
      )
    },

    createSession: (session) =>
      rowsOr(
        (db) =>
          db`
            INSERT INTO sessions ("userId", expires, "sessionToken", via, created_at, auth_time, client)
            SELECT u.id, ${session.expires}::timestamptz, ${session.tokenHash}::text, ${session.via}::text,
              ${session.createdAt ?? null}::timestamptz, ${session.authTime ?? null}::timestamptz, ${session.client ?? null}::text
            FROM users u WHERE u.id = ${dbId(session.userId)}::bigint
            RETURNING ${sessionColumns}`,
        (error) => isForeignKeyViolation(error, constraints.sessionUser) ? new UserNotFound() : null
      ).pipe(Effect.flatMap((found) => single(found, toSession, () => new UserNotFound()))),
    getSessionAndUser: (tokenHash) =>
      Effect.flatMap(
        rows((db) =>
          db`
            SELECT s."sessionToken", s."userId", s.expires, s.via, s.created_at, s.auth_time, s.client, u.id AS user_id, u.name AS user_name,
              u.email AS user_email, u."emailVerified" AS "user_emailVerified", u.image AS user_image
            FROM sessions s JOIN users u ON u.id = s."userId"
            WHERE s."sessionToken" = ${tokenHash}`
        ),
        (found) =>
          optional(found, (row) => Effect.all({ session: toSession(row), user: toUser(row, "user_") }))
      ),
    updateSessionExpiry: (tokenHash, expires) =>
      Effect.flatMap(
        rows((db) =>
          db`UPDATE sessions SET expires = ${expires} WHERE "sessionToken" = ${tokenHash} RETURNING ${sessionColumns}`
        ),
        (found) => optional(found, toSession)
      ),
    deleteSession: (tokenHash) =>
      Effect.flatMap(
        rows((db) => db`DELETE FROM sessions WHERE "sessionToken" = ${tokenHash} RETURNING ${sessionColumns}`),
        (found) => optional(found, toSession)
      ),
    listUserSessions: (userId) =>
      Effect.flatMap(
        rows((db) => db`SELECT ${sessionColumns} FROM sessions WHERE "userId" = ${dbId(userId)}::bigint`),
        (found) => Effect.forEach(found, toSession)
      ),
    deleteUserSessions: (userId, options) =>
      Effect.map(
        rows((db) =>
          options?.via === undefined
            ? db`DELETE FROM sessions WHERE "userId" = ${dbId(userId)}::bigint RETURNING 1 AS deleted`
            : db`DELETE FROM sessions WHERE "userId" = ${dbId(userId)}::bigint AND via = ${options.via} RETURNING 1 AS deleted`
        ),
        (found) => found.length
      ),

    // Re-issuing the same token only moves its expiry, as the memory store's overwrite does. With a cap, the
    // insert and the deletions it brings are one transaction (cappedTokenInsert.ts).
    createVerificationToken: (token, cap) =>
      cap !== undefined ? cappedTokenInsert(client, token, cap) : rows((db) =>
        db`
          INSERT INTO verification_token (identifier, token, expires)
          VALUES (${token.identifier}, ${token.tokenHash}, ${token.expires})
          ON CONFLICT (identifier, token) DO UPDATE SET expires = EXCLUDED.expires`
      ).pipe(Effect.asVoid),
    consumeVerificationToken: (identifier, tokenHash) =>
      Effect.flatMap(
        rows((db) =>
          db`
            DELETE FROM verification_token WHERE identifier = ${identifier} AND token = ${tokenHash}
            RETURNING ${tokenColumns}`
        ),
        (found) => optional(found, toVerificationToken)
      ),

    createAuthenticator: (authenticator) =>
      rowsOr(
        (db) =>
          db`
            INSERT INTO authenticator (${authenticatorColumns})
            SELECT ${authenticator.credentialID}::text, u.id, ${authenticator.providerAccountId}::text,
              ${authenticator.credentialPublicKey}::text, ${authenticator.counter}::bigint,
              ${authenticator.credentialDeviceType}::text, ${authenticator.credentialBackedUp}::boolean,
              ${authenticator.transports}::text
            FROM users u WHERE u.id = ${dbId(authenticator.userId)}::bigint
            RETURNING ${authenticatorColumns}`,
        (error) =>
          isUniqueViolation(error, constraints.authenticatorCredential, constraints.authenticatorPrimaryKey)
            ? new AuthenticatorExists()
            : isForeignKeyViolation(error, constraints.authenticatorUser)
            ? new UserNotFound()
            : null
      ).pipe(Effect.flatMap((found) => single(found, toAuthenticator, () => new UserNotFound()))),
    getAuthenticator: (credentialID) =>
      Effect.flatMap(
        rows((db) => db`SELECT ${authenticatorColumns} FROM authenticator WHERE "credentialID" = ${credentialID}`),
        (found) => optional(found, toAuthenticator)
      ),
    listAuthenticators: (userId) =>
      Effect.flatMap(
        rows((db) =>
          db`SELECT ${authenticatorColumns} FROM authenticator WHERE "userId" = ${dbId(userId)}::bigint
            ORDER BY "credentialID"`
        ),
        (found) => Effect.forEach(found, toAuthenticator)
      ),
    // One conditional UPDATE: of two sign-ins from one counter value, the row lock lets exactly one write.
    updateAuthenticatorCounter: (credentialID, expected, next) =>
      Effect.map(
        rows((db) =>
          db`UPDATE authenticator SET counter = ${next}::bigint
            WHERE "credentialID" = ${credentialID} AND counter = ${expected}::bigint RETURNING 1 AS updated`
        ),
        (found) => found.length > 0
      ),

    // Bounded batches (at most `limit` rows between both tables), each DELETE one statement. The expiry is
    // checked again on the row being deleted: a session renewed between the inner SELECT and the DELETE stays.
    deleteExpired: (now, limit) =>
      Effect.gen(function*() {
        const tokens = yield* rows((db) =>
          db`
            DELETE FROM verification_token WHERE ctid IN
              (SELECT ctid FROM verification_token WHERE expires <= ${now} LIMIT ${limit})
            AND expires <= ${now}
            RETURNING 1 AS deleted`
        )
        const sessions = yield* rows((db) =>
          db`
            DELETE FROM sessions WHERE ctid IN
              (SELECT ctid FROM sessions WHERE expires <= ${now} LIMIT ${limit - tokens.length})
            AND expires <= ${now}
            RETURNING 1 AS deleted`
        )
        return tokens.length + sessions.length
      }),
    // A network round trip: see CachedPostgresUsers for the synchronous reads.
    sync: Option.none()
  })
}

/** The Users over the shared pool. Building it opens no connection: the service starts while the database is down. */
export const layer: Layer.Layer<Users, never, PostgresClient> = Layer.effect(
  Users,
  PostgresClient.use((client) => Effect.succeed(make(client)))
)
