import { Effect, Layer, Option } from "effect"
import type { AccountKey } from "../../domain/Account.ts"
import {
  AccountAlreadyLinked,
  AccountNotFound,
  AuthenticatorExists,
  EmailTaken,
  LastSignInMethod,
  UserNotFound,
  Users,
  UsersUnavailable
} from "../../ports/Users.ts"
import { keepsAWayIn } from "../../domain/linkDecision.ts"
import { linksBeyondCap } from "../../domain/pendingLinks.ts"
import { boolean, integer } from "./columns.ts"
import { type Row, SqliteDatabase, type SqliteFailure } from "./SqliteDatabase.ts"
import {
  accountChangeParams,
  accountOf,
  authenticatorOf,
  authenticatorParams,
  millisOrNull,
  secretParams,
  sessionOf,
  tokenParams,
  userOf,
  verificationTokenOf
} from "./userRows.ts"
import { statements } from "./userStatements.ts"
import { twoFactorMethods } from "./twoFactorRows.ts"

const keyParams = (key: AccountKey) => ({ provider: key.provider, provider_account_id: key.providerAccountId })

const optionOf = <A>(row: Row | undefined, map: (row: Row) => A): Option.Option<A> =>
  row === undefined ? Option.none() : Option.some(map(row))

const unavailable = (operation: string) => (failure: SqliteFailure) =>
  new UsersUnavailable({ message: `the SQLite user store could not ${operation}: ${failure.detail}`, cause: failure })

const isEmailTaken = (failure: SqliteFailure) => failure.kind === "unique" && failure.detail === "users.email"
// The primary key (one owner per provider account) and the unique index on (user_id, provider) (one account per
// provider and user, passkeys aside); SQLite reports whichever it checks first. A partial index is named, not listed.
const accountConstraints = [
  "accounts.provider, accounts.provider_account_id",
  "accounts.user_id, accounts.provider",
  "index 'accounts_user_provider'"
]
const isAccountLinked = (failure: SqliteFailure) =>
  failure.kind === "unique" && accountConstraints.includes(failure.detail)

const refused = { _tag: "Refused" } as const

// `?? {}` below: INSERT/UPDATE … RETURNING of a row it wrote always returns it; should it not, the mapping
// reads an empty row and fails as an invalid row instead of crashing.

/**
 * The embedded Users: SQLite through `node:sqlite`, in the file `SqliteDatabase` opened. Every operation
 * is one statement, or one IMMEDIATE transaction where it must read before it writes (a guarded unlink), so
 * it holds across the processes sharing the file. Conflicts come from the schema's constraints, not from
 * reading first.
 */
export const make = Effect.gen(function*() {
  const db = yield* SqliteDatabase
  const twoFactor = yield* twoFactorMethods
  return Users.of({
    ...twoFactor,
    createUser: (input) =>
      db.query((sql) =>
        userOf(
          sql.get(statements.insertUser, {
            id: crypto.randomUUID(),
            name: input.name,
            email: input.email,
            email_verified: millisOrNull(input.emailVerified),
            image: input.image
          }) ?? {}
        )
      ).pipe(Effect.mapError((failure) =>
        isEmailTaken(failure) ? new EmailTaken() : unavailable("create a user")(failure)
      )),
    getUser: (id) =>
      db.query((sql) => optionOf(sql.get(statements.userById, { id }), userOf)).pipe(
        Effect.mapError(unavailable("read a user"))
      ),
    getUserByEmail: (email) =>
      db.query((sql) => optionOf(sql.get(statements.userByEmail, { email }), userOf)).pipe(
        Effect.mapError(unavailable("read a user by e-mail"))
      ),
    getUserByAccount: (key) =>
      db.query((sql) => optionOf(sql.get(statements.userByAccount, keyParams(key)), userOf)).pipe(
        Effect.mapError(unavailable("read a user by account"))
      ),
    updateUser: (id, patch) =>
      db.query((sql) =>
        optionOf(
          sql.get(statements.updateUser, {
            id,
            set_name: patch.name !== undefined ? 1 : 0,
            name: patch.name ?? null,
            set_email: patch.email !== undefined ? 1 : 0,
            email: patch.email ?? null,
            set_email_verified: patch.emailVerified !== undefined ? 1 : 0,
            email_verified: millisOrNull(patch.emailVerified ?? null),
            set_image: patch.image !== undefined ? 1 : 0,
            image: patch.image ?? null
          }),
          userOf
        )
      ).pipe(
        Effect.mapError((failure) => isEmailTaken(failure) ? new EmailTaken() : unavailable("update a user")(failure)),
        Effect.flatMap(Option.match({ onNone: () => Effect.fail(new UserNotFound()), onSome: Effect.succeed }))
      ),
    // The schema's ON DELETE CASCADE takes the accounts (with their refresh claims) and sessions along.
    deleteUser: (id) =>
      db.query((sql) => sql.run(statements.deleteUser, { id }) > 0).pipe(Effect.mapError(unavailable("delete a user"))),

    linkAccount: (account) =>
      db.query((sql) =>
        accountOf(
          sql.get(statements.insertAccount, {
            ...keyParams(account),
            user_id: account.userId,
            type: account.type,
            ...tokenParams(account),
            needs_reauth: account.needsReauth ? 1 : 0
          }) ?? {}
        )
      ).pipe(Effect.mapError((failure) =>
        isAccountLinked(failure)
          ? new AccountAlreadyLinked({ provider: account.provider })
          : failure.kind === "foreignKey"
          ? new UserNotFound()
          : unavailable("link an account")(failure)
      )),
    unlinkAccount: (key, options) => {
      const guard = options?.keepSignInMethod
      if (guard === undefined) {
        return db.query((sql) => optionOf(sql.get(statements.deleteAccount, keyParams(key)), accountOf)).pipe(
          Effect.mapError(unavailable("unlink an account"))
        )
      }
      // Check and delete in one IMMEDIATE transaction, so two unlinks of a user's last two accounts (from any
      // process) cannot both see the other account still there.
      return db.transaction((sql) => {
        const account = optionOf(sql.get(statements.accountByKey, keyParams(key)), accountOf)
        if (Option.isNone(account)) return account
        const methods = sql.get(statements.signInMethods, { user_id: account.value.userId }) ?? {}
        const kept = keepsAWayIn({
          otherAccounts: integer(methods, "accounts") - 1,
          verifiedEmail: boolean(methods, "verified_email"),
          verifiedEmailCounts: guard.verifiedEmailCounts
        })
        if (!kept) return refused
        sql.run(statements.deleteAccount, keyParams(key))
        return account
      }).pipe(
        Effect.mapError(unavailable("unlink an account")),
        Effect.flatMap((outcome) =>
          outcome._tag === "Refused"
            ? Effect.fail(new LastSignInMethod({ provider: key.provider }))
            : Effect.succeed(outcome)
        )
      )
    },
    getAccount: (key) =>
      db.query((sql) => optionOf(sql.get(statements.accountByKey, keyParams(key)), accountOf)).pipe(
        Effect.mapError(unavailable("read an account"))
      ),
    listAccounts: (userId) =>
      db.query((sql) => sql.all(statements.accountsOfUser, { user_id: userId }).map(accountOf)).pipe(
        Effect.mapError(unavailable("list accounts"))
      ),
    getUserAccount: (userId, provider) =>
      db.query((sql) => optionOf(sql.get(statements.accountOfUser, { user_id: userId, provider }), accountOf)).pipe(
        Effect.mapError(unavailable("read an account"))
      ),
    updateAccountTokens: (key, tokens) =>
      db.query((sql) => optionOf(sql.get(statements.updateTokens, { ...keyParams(key), ...tokenParams(tokens) }), accountOf))
        .pipe(
          Effect.mapError(unavailable("update account tokens")),
          Effect.flatMap(Option.match({
            onNone: () => Effect.fail(new AccountNotFound({ provider: key.provider })),
            onSome: Effect.succeed
          }))
        ),
    pageAccounts: (after, limit) =>
      db.query((sql) =>
        (after === null
          ? sql.all(statements.firstAccounts, { limit })
          : sql.all(statements.accountsAfter, { ...keyParams(after), limit })).map(accountOf)
      ).pipe(Effect.mapError(unavailable("list accounts"))),
    updateAccountIf: (key, expected, change) =>
      db.query((sql) =>
        optionOf(
          sql.get(statements.updateAccountIf, {
            ...keyParams(key),
            ...secretParams(expected, "expected_"),
            ...accountChangeParams(change)
          }),
          accountOf
        )
      ).pipe(Effect.mapError(unavailable("update an account"))),

    createSession: (session) =>
      db.query((sql) =>
        sessionOf(
          sql.get(statements.upsertSession, {
            token_hash: session.tokenHash,
            user_id: session.userId,
            expires: session.expires.getTime(),
            via: session.via,
            created_at: session.createdAt?.getTime() ?? null,
            auth_time: session.authTime?.getTime() ?? null,
            client: session.client ?? null
          }) ?? {}
        )
      ).pipe(Effect.mapError((failure) =>
        failure.kind === "foreignKey" ? new UserNotFound() : unavailable("create a session")(failure)
      )),
    getSessionAndUser: (tokenHash) =>
      db.query((sql) =>
        optionOf(sql.get(statements.sessionAndUser, { token_hash: tokenHash }), (row) => ({
          session: sessionOf(row),
          user: userOf(row)
        }))
      ).pipe(Effect.mapError(unavailable("read a session"))),
    updateSessionExpiry: (tokenHash, expires) =>
      db.query((sql) =>
        optionOf(sql.get(statements.updateSessionExpiry, { token_hash: tokenHash, expires: expires.getTime() }), sessionOf)
      ).pipe(Effect.mapError(unavailable("update a session"))),
    deleteSession: (tokenHash) =>
      db.query((sql) => optionOf(sql.get(statements.deleteSession, { token_hash: tokenHash }), sessionOf)).pipe(
        Effect.mapError(unavailable("delete a session"))
      ),
    listUserSessions: (userId) =>
      db.query((sql) => sql.all(statements.sessionsOfUser, { user_id: userId }).map(sessionOf)).pipe(
        Effect.mapError(unavailable("list a user's sessions"))
      ),
    deleteUserSessions: (userId, options) =>
      db.query((sql) =>
        options?.via === undefined
          ? sql.run(statements.deleteUserSessions, { user_id: userId })
          : sql.run(statements.deleteUserSessionsVia, { user_id: userId, via: options.via })
      ).pipe(
        Effect.mapError(unavailable("delete a user's sessions"))
      ),

    // With a cap: one IMMEDIATE transaction inserts, reads the address's tokens and deletes what the domain's
    // linksBeyondCap picks, so concurrent issuers for one address, in any process, run one after another.
    // Without one, the single upsert it always was.
    createVerificationToken: (token, cap) => {
      const params = { identifier: token.identifier, token_hash: token.tokenHash, expires: token.expires.getTime() }
      const stored = cap === undefined
        ? db.query((sql) => void sql.run(statements.upsertToken, params))
        : db.transaction((sql) => {
          sql.run(statements.upsertToken, params)
          const pending = sql.all(statements.tokensOf, { identifier: token.identifier }).map(verificationTokenOf)
          for (const dropped of linksBeyondCap(pending, token.tokenHash, cap)) {
            sql.run(statements.deleteToken, { identifier: token.identifier, token_hash: dropped.tokenHash })
          }
        })
      return stored.pipe(Effect.mapError(unavailable("store a verification token")))
    },
    // One DELETE … RETURNING: of any number of consumers, in any number of processes, one gets the row.
    consumeVerificationToken: (identifier, tokenHash) =>
      db.query((sql) =>
        optionOf(sql.get(statements.consumeToken, { identifier, token_hash: tokenHash }), verificationTokenOf)
      ).pipe(Effect.mapError(unavailable("consume a verification token"))),

    createAuthenticator: (authenticator) =>
      db.query((sql) => authenticatorOf(sql.get(statements.insertAuthenticator, authenticatorParams(authenticator)) ?? {}))
        .pipe(Effect.mapError((failure) =>
          failure.kind === "unique"
            ? new AuthenticatorExists()
            : failure.kind === "foreignKey"
            ? new UserNotFound()
            : unavailable("register a passkey")(failure)
        )),
    getAuthenticator: (credentialID) =>
      db.query((sql) => optionOf(sql.get(statements.authenticatorById, { credential_id: credentialID }), authenticatorOf))
        .pipe(Effect.mapError(unavailable("read a passkey"))),
    listAuthenticators: (userId) =>
      db.query((sql) => sql.all(statements.authenticatorsOfUser, { user_id: userId }).map(authenticatorOf)).pipe(
        Effect.mapError(unavailable("list passkeys"))
      ),
    updateAuthenticatorCounter: (credentialID, expected, next) =>
      db.query((sql) => sql.run(statements.updateCounter, { credential_id: credentialID, expected, next }) > 0).pipe(
        Effect.mapError(unavailable("update a passkey's counter"))
      ),

    deleteExpired: (now, limit) =>
      db.transaction((sql) => {
        const params = { now: now.getTime(), limit }
        const tokens = sql.run(statements.deleteExpiredTokens, params)
        return tokens + sql.run(statements.deleteExpiredSessions, { ...params, limit: limit - tokens })
      }).pipe(Effect.mapError(unavailable("delete expired tokens and sessions"))),
    // Sessions are read through the Effect statements only: database sessions take the route on SQLite.
    sync: Option.none()
  })
})

export const layer: Layer.Layer<Users, never, SqliteDatabase> = Layer.effect(Users, make)
