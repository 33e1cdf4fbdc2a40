import { Effect, Exit, Layer, Option } from "effect"
import type { UserId } from "../../domain/User.ts"
import { type SessionAndUser, Users } from "../../ports/Users.ts"
import type { CacheOptions } from "./CachedPostgresLedger.ts"
import { makeNotifiedCache } from "./notifiedCache.ts"
import { PostgresChanges } from "./PostgresChanges.ts"
import { PostgresClient } from "./PostgresClient.ts"
import * as PostgresUsers from "./PostgresUsers.ts"

/**
 * The PostgreSQL Users with a cache of database sessions (each with its user, absences included), kept true by
 * the change feed: a changed session drops its token hash, a changed or deleted user drops that user's sessions.
 * While the feed is fresh, cached sessions are answered from memory, synchronously too (`sync`), so the
 * `GET /session` fast path applies to database sessions. Everything else is the uncached store.
 *
 * This node's own session and user writes drop what they touch as soon as they return, before their
 * notification comes back: the node that signs a user out never answers the old session itself.
 */
export const make = Effect.fnUntraced(function*(options: CacheOptions = {}) {
  const client = yield* PostgresClient
  const changes = yield* PostgresChanges
  const inner = PostgresUsers.make(client)
  const cache = makeNotifiedCache<Option.Option<SessionAndUser>>(options.maxEntries ?? 100_000)
  const dropUser = (userId: string) =>
    cache.invalidateWhere((found) => Option.isSome(found) && found.value.user.id === userId)
  changes.subscribe({
    onChange: (payload) => {
      if (payload.startsWith("s")) cache.invalidate(payload.slice(1))
      else if (payload.startsWith("u")) dropUser(payload.slice(1))
    },
    onReset: cache.reset
  })

  const cached = (tokenHash: string) => (changes.isFresh() ? cache.peek(tokenHash) : undefined)
  /** Runs a write, then drops what it touched here whatever came of it (a failed statement may have committed). */
  const writing = <A, E>(write: Effect.Effect<A, E>, drop: () => void) => Effect.onExit(write, () => Effect.sync(drop))
  const userWrite = <A, E>(userId: UserId, write: Effect.Effect<A, E>) => writing(write, () => dropUser(userId))

  return Users.of({
    ...inner,
    getSessionAndUser: (tokenHash) =>
      Effect.suspend(() => {
        const hit = cached(tokenHash)
        if (hit !== undefined) return Effect.succeed(hit)
        const ticket = cache.begin()
        return Effect.onExit(inner.getSessionAndUser(tokenHash), (exit) =>
          Effect.sync(() => cache.finish(ticket, Exit.isSuccess(exit) ? [[tokenHash, exit.value]] : [])))
      }),
    createSession: (session) => writing(inner.createSession(session), () => cache.invalidate(session.tokenHash)),
    updateSessionExpiry: (tokenHash, expires) =>
      writing(inner.updateSessionExpiry(tokenHash, expires), () => cache.invalidate(tokenHash)),
    deleteSession: (tokenHash) => writing(inner.deleteSession(tokenHash), () => cache.invalidate(tokenHash)),
    deleteUserSessions: (userId, via) => userWrite(userId, inner.deleteUserSessions(userId, via)),
    updateUser: (id, patch) => userWrite(id, inner.updateUser(id, patch)),
    deleteUser: (id) => userWrite(id, inner.deleteUser(id)),
    sync: Option.some({ getSessionAndUser: cached })
  })
})

/** The cached Users over the shared pool and change feed (build one PostgresChanges per node). */
export const layer = (options: CacheOptions = {}): Layer.Layer<Users, never, PostgresClient | PostgresChanges> =>
  Layer.effect(Users, make(options))
