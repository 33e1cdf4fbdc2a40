import { Clock, Duration, Effect, Option } from "effect"
import type { Session } from "../../domain/Session.ts"
import type { UserId } from "../../domain/User.ts"
import type { VerificationToken } from "../../domain/VerificationToken.ts"
import {
  type SessionAndUser,
  UserNotFound,
  type Users,
  UsersUnavailable,
  type ViaOption
} from "../../ports/Users.ts"
import { unavailable } from "./adapterCalls.ts"
import { decodeSession, decodeUser, decodeVerificationToken } from "./authjsRecords.ts"
import type { Bridge } from "./bridge.ts"
import { keys, ledgerUnavailable, type SessionsIndex } from "./ledgerIndexes.ts"

type Operations = Pick<
  Users["Service"],
  | "createSession"
  | "getSessionAndUser"
  | "updateSessionExpiry"
  | "deleteSession"
  | "listUserSessions"
  | "deleteUserSessions"
  | "createVerificationToken"
  | "consumeVerificationToken"
>

/** Past this many indexed sessions, creating one first drops the index entries whose sessions are gone. */
const pruneAbove = 64

type IndexedSession = SessionsIndex["sessions"][number]

const dateOf = (millis: number | null | undefined): Date | null => (millis === undefined || millis === null ? null : new Date(millis))

/** What only the index knows of a session: the provider it was signed in with and its details. */
const indexedFields = (indexed: IndexedSession | undefined) => ({
  via: indexed?.via ?? null,
  createdAt: dateOf(indexed?.createdAt),
  authTime: dateOf(indexed?.authTime),
  client: indexed?.client ?? null
})

const fieldsOf = (index: SessionsIndex, token: string) =>
  indexedFields(index.sessions.find((indexed) => indexed.token === token))

const without = (index: SessionsIndex, gone: ReadonlyArray<string>): SessionsIndex => ({
  sessions: index.sessions.filter((indexed) => !gone.includes(indexed.token))
})

/**
 * Sessions and verification tokens. The session token is authfx's SHA-256 hash of the cookie's token,
 * handed to Auth.js as its `sessionToken`: to the adapter it is an opaque string like any other. The user's
 * sessions index lists their session hashes, because "sign out everywhere" needs them and Auth.js cannot
 * list them.
 */
export const sessionOperations = (
  bridge: Bridge,
  options: { readonly verificationTokens: boolean; readonly timeout: Duration.Input }
): Operations => {
  const { adapter, call, ledger, plain, sessions } = bridge

  /** The session as the adapter has it, without what only the index knows. */
  const adapterSession = (tokenHash: string) =>
    Effect.flatMap(
      plain("getSessionAndUser", () => adapter.getSessionAndUser(tokenHash)),
      (found): Effect.Effect<Option.Option<SessionAndUser>, UsersUnavailable> =>
        found === null || found === undefined
          ? Effect.succeedNone
          : Effect.asSome(Effect.all({ session: decodeSession(found.session), user: decodeUser(found.user) }))
    )

  /** With the provider it was signed in with, from the index (Auth.js's session has no place for it). */
  const sessionAndUser = (tokenHash: string) =>
    Effect.flatMap(adapterSession(tokenHash), (found) =>
      Option.isNone(found)
        ? Effect.succeed(found)
        : Effect.map(sessions.read(keys.sessions(found.value.session.userId)), (index) =>
          Option.some<SessionAndUser>({ ...found.value, session: { ...found.value.session, ...fieldsOf(index, tokenHash) } })))

  const unindex = (userId: UserId, gone: ReadonlyArray<string>) =>
    sessions.update(keys.sessions(userId), (index) => ({ result: undefined, next: without(index, gone) }))

  /** The indexed hashes whose sessions no longer exist (expired and deleted, or deleted behind the bridge). */
  const goneOf = (userId: UserId, tokens: ReadonlyArray<string>) =>
    Effect.map(
      Effect.forEach(tokens, (token) =>
        Effect.map(adapterSession(token), (found) =>
          Option.isSome(found) && found.value.session.userId === userId ? null : token), { concurrency: 8 }),
      (verdicts) => verdicts.filter((token): token is string => token !== null)
    )

  const createSession = (session: Session) =>
    Effect.gen(function*() {
      if (Option.isNone(yield* bridge.getUser(session.userId))) return yield* new UserNotFound()
      const key = keys.sessions(session.userId)
      const indexed = yield* sessions.read(key)
      const gone = indexed.sessions.length >= pruneAbove
        ? yield* goneOf(session.userId, indexed.sessions.map(({ token }) => token))
        : []
      // Indexed before it exists: a crash in between leaves an index entry for nothing, never a session the
      // index does not know (which "sign out everywhere" would miss).
      const entry: IndexedSession = {
        token: session.tokenHash,
        via: session.via,
        createdAt: session.createdAt?.getTime() ?? null,
        authTime: session.authTime?.getTime() ?? null,
        client: session.client ?? null
      }
      yield* sessions.update(key, (index) => ({
        result: undefined,
        next: { sessions: [...without(index, [...gone, session.tokenHash]).sessions, entry] }
      }))
      yield* call("createSession", () =>
        adapter.createSession({ sessionToken: session.tokenHash, userId: session.userId, expires: session.expires })).pipe(
          Effect.catch((error) =>
            Effect.andThen(
              Effect.ignore(unindex(session.userId, [session.tokenHash])),
              Effect.fail(error.failure === "ForeignKeyViolation" ? new UserNotFound() : unavailable(error))
            )
          )
        )
      return session
    })

  const updateSessionExpiry = (tokenHash: string, expires: Date) =>
    Effect.gen(function*() {
      // Auth.js's updateSession answers differently per adapter (pg: nothing at all on success), so the
      // session is read first, and only a null from the update means it went away meanwhile.
      const found = yield* sessionAndUser(tokenHash)
      if (Option.isNone(found)) return Option.none<Session>()
      const updated = yield* call("updateSession", () => adapter.updateSession({ sessionToken: tokenHash, expires })).pipe(
        // The Kysely adapter on MySQL re-reads the row it updated and throws NoResultError when it is gone.
        Effect.catch((error) =>
          error.cause instanceof Error && error.cause.name === "NoResultError" ? Effect.succeed(null) : Effect.fail(unavailable(error))
        )
      )
      if (updated === null) return Option.none<Session>()
      return Option.some<Session>({ ...found.value.session, expires })
    })

  const deleteSession = (tokenHash: string) =>
    Effect.gen(function*() {
      const found = yield* sessionAndUser(tokenHash)
      // Deleted even when unanswered: a session whose user is gone may still have its row.
      yield* plain("deleteSession", () => adapter.deleteSession(tokenHash))
      if (Option.isNone(found)) return Option.none<Session>()
      yield* unindex(found.value.session.userId, [tokenHash])
      return Option.some(found.value.session)
    })

  /** The indexed sessions the adapter still has, with what the index knows of each. */
  const listUserSessions = (userId: UserId) =>
    Effect.gen(function*() {
      const index = yield* sessions.read(keys.sessions(userId))
      const found = yield* Effect.forEach(index.sessions, (indexed) =>
        Effect.map(adapterSession(indexed.token), (session) =>
          Option.isSome(session) && session.value.session.userId === userId
            ? [{ ...session.value.session, ...indexedFields(indexed) }]
            : []), { concurrency: 8 })
      return found.flat()
    })

  const deleteUserSessions = (userId: UserId, narrow?: ViaOption) =>
    Effect.gen(function*() {
      const index = yield* sessions.read(keys.sessions(userId))
      const tokens = index.sessions.filter(({ via }) => narrow?.via === undefined || via === narrow.via)
        .map(({ token }) => token)
      const gone = yield* goneOf(userId, tokens)
      const live = tokens.filter((token) => !gone.includes(token))
      yield* Effect.forEach(live, (token) => plain("deleteSession", () => adapter.deleteSession(token)), {
        concurrency: 8,
        discard: true
      })
      yield* unindex(userId, tokens)
      return live.length
    })

  /**
   * Consuming a magic link is single-use across every node that shares the Ledger: a consumer first claims the
   * token there (compare-and-set from absent), and only the one who got the claim asks the adapter, whose own
   * useVerificationToken may read, then delete (Kysely without RETURNING, unstorage). The claim outlasts the
   * adapter call it covers (the call's timeout, plus a minute for clocks that differ between nodes); a failed
   * call gives it back, so the link can be tried again.
   */
  const claimMillis = Duration.toMillis(options.timeout) + 60_000
  const consume = (use: NonNullable<typeof adapter.useVerificationToken>, identifier: string, tokenHash: string) =>
    Effect.gen(function*() {
      const key = keys.consume(identifier, tokenHash)
      const claim = crypto.randomUUID()
      const until = new Date((yield* Clock.currentTimeMillis) + claimMillis)
      const claimed = yield* ledger.compareAndSet(key, Option.none(), { value: claim, expiresAt: until }).pipe(
        Effect.mapError(ledgerUnavailable)
      )
      if (!claimed) return Option.none<VerificationToken>()
      const found = yield* plain("useVerificationToken", () => use({ identifier, token: tokenHash })).pipe(
        Effect.tapError(() => Effect.ignore(ledger.deleteIf(key, claim)))
      )
      return found === null || found === undefined ? Option.none() : Option.some(yield* decodeVerificationToken(found))
    })

  const noTokens = Effect.fail(
    new UsersUnavailable({ message: "e-mail sign-in is off: the bridge was built with verificationTokens: false" })
  )

  return {
    createSession,
    getSessionAndUser: sessionAndUser,
    updateSessionExpiry,
    deleteSession,
    listUserSessions,
    deleteUserSessions,
    createVerificationToken: (token: VerificationToken) => {
      const create = adapter.createVerificationToken
      if (!options.verificationTokens || create === undefined) return noTokens
      return Effect.asVoid(plain("createVerificationToken", () =>
        create({ identifier: token.identifier, token: token.tokenHash, expires: token.expires })))
    },
    consumeVerificationToken: (identifier: string, tokenHash: string) => {
      const use = adapter.useVerificationToken
      return !options.verificationTokens || use === undefined ? noTokens : consume(use, identifier, tokenHash)
    }
  }
}
