/**
 * authfx's Users over any Auth.js adapter (`Adapter` from `@auth/core/adapters`): Prisma, Drizzle,
 * Kysely, pg, MongoDB, DynamoDB, unstorage, … — every database Auth.js supports, with the data an Auth.js
 * application already has.
 *
 * ```ts
 * const users = AuthjsUsers.layer(PostgresAdapter(pool), { ping: () => pool.query("SELECT 1") })
 *   .pipe(Layer.provide(ledger))   // the deployment's Ledger: PostgresLedger.layer, SqliteLedger.layer, …
 * ```
 *
 * Where each part of the port is kept:
 * - Users, account links, sessions and verification tokens live in the adapter's own tables, in Auth.js's
 *   format, so Auth.js can still read them (and run beside authfx during a migration). Ids are the adapter's,
 *   as strings. Every record read back is normalised through Schema (ids, dates, absent fields) and checked
 *   against authfx's models; one that does not fit is an outage naming the failing fields, never a lie.
 * - Session tokens: authfx hands Auth.js the SHA-256 hash of the cookie's token as `sessionToken`. Auth.js
 *   treats it as an opaque string, so this works with every adapter, and a leaked table cannot be replayed.
 *   Sessions Auth.js itself created (raw tokens) are not found by authfx: those users sign in once more.
 * - What Auth.js has no place for is indexed in the Ledger this layer requires (ledgerIndexes.ts): each user's
 *   accounts and sessions (Auth.js cannot list by user: `listAccounts`, `getUserAccount`, `deleteUserSessions`
 *   and the unlink guard need them), with account tokens after the first sign-in (Auth.js has no update, and
 *   pg and Kysely no `getAccount`: the adapter's row keeps the first tokens, as under Auth.js), `needsReauth`
 *   and each session's `via`. The memory Ledger loses them at restart; SQLite and PostgreSQL keep them.
 * - A link the index does not know (Auth.js made it, or the index was lost) is adopted into it the first time
 *   authfx reads it (`getAccount`, on sign-in): with its tokens where the adapter has `getAccount`
 *   (unstorage, Prisma, Drizzle, …), else by its key only, tokens unknown, until the next sign-in stores fresh
 *   ones. Sessions are not adopted: one the index does not know escapes "sign out everywhere" until it ends.
 *
 * What an Auth.js adapter cannot promise, and what the bridge does about it:
 * - Unique e-mail addresses: checked by a lookup before each write (enough for one request at a time), and a
 *   unique violation from the database is recognised as `EmailTaken` where its driver says so (pg, mysql2,
 *   SQLite, MongoDB, Prisma codes, also wrapped in `cause`; see adapterErrors.ts and `classifyError`).
 *   Concurrent sign-ups with one address can both succeed where the database has no UNIQUE constraint on the
 *   address (pg's schema.sql, unstorage and most key-value adapters): add it (authjsSchemas.ts).
 * - One owner per provider account: the same, by `getUserByAccount` before linking and the database's
 *   unique constraint where there is one (pg's schema.sql and Kysely's MySQL schema have none: add it).
 * - One account per provider per user, and the guarded unlink (`keepSignInMethod`, decided by the domain's
 *   `decideUnlink`): one compare-and-set on the user's accounts index, over the entries the adapter confirms,
 *   so as atomic as the Ledger (memory: one process; SQLite, PostgreSQL: every node sharing it).
 * - Users who do not exist: every write naming a user looks them up first (pg's and unstorage's adapters
 *   would link an account to nobody). A user deleted in between can still get a session or an account where
 *   the database has no foreign key.
 * - `deleteUser` deletes the user's indexed sessions and accounts itself first (unstorage's deleteUser
 *   deletes only the last of each, and rejects for a user who never had a session), then the user: not one
 *   transaction.
 * - `consumeVerificationToken`: a consumer claims the token in the Ledger first, so exactly one consumer among
 *   every node sharing the Ledger asks the adapter, whose `useVerificationToken` need not be atomic (Kysely's
 *   on MySQL/MariaDB selects, then deletes; unstorage's gets, then removes).
 * - The cap on pending magic links (`createVerificationToken` with a cap): Auth.js cannot list an address's
 *   tokens, so the bridge indexes the links it issues per address in the Ledger and counts those; links made
 *   behind its back (by Auth.js itself) are not counted (verificationTokenOperations.ts says what holds).
 * - Listing every account (`pageAccounts`): no Auth.js adapter can, so it fails with `AccountListingUnsupported`;
 *   sealing tokens at rest then happens as each account is read (adapters/sealedTokens). `updateAccountIf`
 *   compares and sets the index's tokens (those authfx reads), as atomic as the Ledger; the adapter's own row
 *   keeps the tokens it was linked with (Auth.js has no account update).
 * - Outages: every adapter call is guarded (throws, rejections, a timeout) and becomes `UsersUnavailable`
 *   naming the method and the driver's error class and code, never its text (which quotes values).
 *   @auth/pg-adapter's getUser answers null for every failure, an outage included: give `ping` so that a
 *   miss is confirmed against the database, or an outage reads as "no such user".
 */
import type { Adapter } from "@auth/core/adapters"
import { type Duration, Effect, Layer, Option } from "effect"
import type { Email, NewUser, UserId, UserPatch } from "../../domain/User.ts"
import { Ledger } from "../../ports/Ledger.ts"
import { EmailTaken, UserNotFound, Users, UsersUnavailable } from "../../ports/Users.ts"
import { accountOperations } from "./accountOperations.ts"
import { checkAdapter, defaultTimeout, makeCalls, unavailable } from "./adapterCalls.ts"
import type { AuthjsAdapterIncomplete, ClassifyError } from "./adapterErrors.ts"
import { decodeUser } from "./authjsRecords.ts"
import { makeBridge, sameAddress } from "./bridge.ts"
import { keys } from "./ledgerIndexes.ts"
import { passkeyOperations } from "./passkeyOperations.ts"
import { twoFactorOperations } from "./twoFactorOperations.ts"
import { sessionOperations } from "./sessionOperations.ts"
import { verificationTokenOperations } from "./verificationTokenOperations.ts"

export { AuthjsAdapterIncomplete, type ClassifyError } from "./adapterErrors.ts"

export interface Options {
  /**
   * A cheap call that fails while the database is down (`() => pool.query("SELECT 1")`), run when the
   * adapter's getUser answers "no such user". Needed for adapters that turn errors into null (@auth/pg-adapter).
   */
  readonly ping?: () => PromiseLike<unknown>
  /** Recognises the driver's unique and foreign-key violations where the built-in codes do not. */
  readonly classifyError?: ClassifyError
  /** An adapter call with no answer after this long fails as unavailable. Default 10 seconds. */
  readonly timeout?: Duration.Input
  /**
   * Whether the adapter must keep verification tokens (e-mail sign-in). Default true; false accepts an adapter
   * without createVerificationToken/useVerificationToken, and e-mail sign-in then fails as unavailable.
   */
  readonly verificationTokens?: boolean
}

/** The Users over `adapter`, with the Ledger from the context. Fails to build if the adapter lacks methods. */
export const make = (adapter: Adapter, options: Options = {}) =>
  Effect.gen(function*() {
    const verificationTokens = options.verificationTokens ?? true
    const complete = yield* checkAdapter(adapter, verificationTokens)
    const ledger = yield* Ledger
    const calls = makeCalls(options)
    const bridge = makeBridge(complete, calls, ledger, options.ping)
    const { call, plain, getUser, getUserByEmail, accounts, sessions } = bridge
    const accountOps = accountOperations(bridge)

    const addressTaken = (email: Email, by: UserId | null) =>
      Effect.map(getUserByEmail(email), Option.exists((holder) => holder.id !== by))

    const createUser = (input: NewUser) =>
      Effect.gen(function*() {
        if (input.email !== null && (yield* addressTaken(input.email, null))) return yield* new EmailTaken()
        // Auth.js core passes an id of its own too; most adapters ignore it and let the database assign one.
        const created = yield* call("createUser", () =>
          complete.createUser({ id: crypto.randomUUID(), ...input } as Parameters<typeof complete.createUser>[0])).pipe(
            Effect.mapError((error) =>
              error.failure === "UniqueViolation" && input.email !== null ? new EmailTaken() : unavailable(error)
            )
          )
        if (created === null || created === undefined) {
          return yield* new UsersUnavailable({ message: "the Auth.js adapter's createUser returned no user" })
        }
        return yield* decodeUser(created)
      })

    const updateUser = (id: UserId, patch: UserPatch) =>
      Effect.gen(function*() {
        // Adapters disagree on a missing user (pg returns nothing, Kysely throws, unstorage creates one!).
        const current = yield* getUser(id)
        if (Option.isNone(current)) return yield* new UserNotFound()
        const email = patch.email
        const moving = email !== undefined && email !== null && !sameAddress(email, current.value.email)
        if (moving && (yield* addressTaken(email, id))) return yield* new EmailTaken()
        const fields: Record<string, unknown> = { id }
        for (const field of ["name", "email", "emailVerified", "image"] as const) {
          if (patch[field] !== undefined) fields[field] = patch[field]
        }
        const updated = yield* call("updateUser", () =>
          complete.updateUser(fields as Parameters<typeof complete.updateUser>[0])).pipe(
            Effect.mapError((error) => error.failure === "UniqueViolation" && moving ? new EmailTaken() : unavailable(error))
          )
        if (updated !== null && updated !== undefined) return yield* decodeUser(updated)
        const after = yield* getUser(id)
        return Option.isSome(after) ? after.value : yield* new UserNotFound()
      })

    const deleteUser = (id: UserId) =>
      Effect.gen(function*() {
        if (Option.isNone(yield* getUser(id))) return false
        const [indexedAccounts, indexedSessions] = yield* Effect.all([
          accounts.read(keys.accounts(id)),
          sessions.read(keys.sessions(id))
        ])
        // The adapter's own deleteUser may not cascade (unstorage's removes one account and one session).
        yield* Effect.forEach(
          indexedSessions.sessions,
          ({ token }) => plain("deleteSession", () => complete.deleteSession(token)),
          { concurrency: 8, discard: true }
        )
        yield* Effect.forEach(
          indexedAccounts.accounts,
          (indexed) =>
            plain("unlinkAccount", () =>
              complete.unlinkAccount({ provider: indexed.provider, providerAccountId: indexed.providerAccountId })),
          { concurrency: 8, discard: true }
        )
        // unstorage's deleteUser deletes the user, then rejects when the user had no session ("Invalid key"):
        // what counts is whether the user is gone.
        yield* plain("deleteUser", () => complete.deleteUser(id)).pipe(
          Effect.catch((error) =>
            Effect.flatMap(getUser(id), (still) => (Option.isSome(still) ? Effect.fail(error) : Effect.void))
          )
        )
        yield* accounts.update(keys.accounts(id), () => ({ result: undefined, next: null }))
        yield* sessions.update(keys.sessions(id), () => ({ result: undefined, next: null }))
        yield* bridge.twoFactor.update(keys.twoFactor(id), () => ({ result: undefined, next: null }))
        return true
      })

    return Users.of({
      createUser,
      getUser,
      getUserByEmail,
      getUserByAccount: bridge.getUserByAccount,
      updateUser,
      deleteUser,
      ...accountOps,
      ...passkeyOperations(bridge, adapter),
      ...twoFactorOperations(bridge),
      ...sessionOperations(bridge),
      ...verificationTokenOperations(bridge, { verificationTokens, timeout: options.timeout ?? defaultTimeout }),
      // Auth.js's Adapter cannot find expired rows (it has no listing of tokens or sessions): expired sessions
      // are deleted when they are read, as Auth.js does, and expired magic links stay refused where they are.
      deleteExpired: () => Effect.succeed(0),
      // Every read is an adapter call, a promise.
      sync: Option.none()
    })
  })

/**
 * The Users over an Auth.js adapter. Needs the deployment's Ledger (memory, SQLite or PostgreSQL), for its
 * indexes; fails with `AuthjsAdapterIncomplete`, naming the missing methods, if the adapter cannot do the job.
 */
export const layer = (
  adapter: Adapter,
  options?: Options
): Layer.Layer<Users, AuthjsAdapterIncomplete, Ledger> => Layer.effect(Users, make(adapter, options))
