import { Clock, Effect, Exit, Layer, Option } from "effect"
import { Ledger, type LedgerEntry, type SyncLedgerReads } from "../../ports/Ledger.ts"
import { makeNotifiedCache } from "./notifiedCache.ts"
import { PostgresChanges } from "./PostgresChanges.ts"
import { PostgresClient } from "./PostgresClient.ts"
import * as PostgresLedger from "./PostgresLedger.ts"

export interface CacheOptions {
  /** Most keys kept (oldest out first). Default 100,000. */
  readonly maxEntries?: number
}

/**
 * The PostgreSQL ledger with a cache of the entries it has read, absences included (a token that was never
 * revoked is the common case), kept true by the change feed. While the feed is fresh, reads of cached keys
 * answer from memory, synchronously too (`sync`): the `GET /session` fast path applies. Otherwise, and for any
 * key not cached, reads go to the database and what they find is cached for the next time.
 *
 * This node's own writes drop their key as soon as they return (before their notification comes back), so
 * the node that signs a user out never answers the old session itself. Every primitive but `get` is the
 * uncached one: compare-and-set and increment must decide on the row as committed.
 */
export const make = Effect.fnUntraced(function*(options: CacheOptions = {}) {
  const client = yield* PostgresClient
  const changes = yield* PostgresChanges
  const inner = PostgresLedger.make(client)
  const cache = makeNotifiedCache<Option.Option<LedgerEntry>>(options.maxEntries ?? 100_000)
  changes.subscribe({
    onChange: (payload) => {
      if (payload.startsWith("l")) cache.invalidate(payload.slice(1))
    },
    onReset: cache.reset
  })

  const cached: SyncLedgerReads["get"] = (keys, now) => {
    if (!changes.isFresh()) return undefined
    const found: Array<Option.Option<LedgerEntry>> = []
    for (const key of keys) {
      const entry = cache.peek(key)
      if (entry === undefined) return undefined
      // A cached entry expires by itself, like a stored one.
      found.push(Option.isSome(entry) && entry.value.expiresAt.getTime() <= now ? Option.none() : entry)
    }
    return found
  }

  /** Runs a write, then drops its key here whatever came of it (a failed statement may have committed). */
  const writing = <A, E>(key: string, write: Effect.Effect<A, E>) =>
    Effect.onExit(write, () => Effect.sync(() => cache.invalidate(key)))

  return Ledger.of({
    get: (keys) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const hit = cached(keys, now)
        if (hit !== undefined) return Effect.succeed(hit)
        return Effect.suspend(() => {
          const ticket = cache.begin()
          return Effect.onExit(inner.get(keys), (exit) =>
            Effect.sync(() =>
              cache.finish(ticket, Exit.isSuccess(exit) ? keys.map((key, i) => [key, exit.value[i]!] as const) : [])
            ))
        })
      }),
    set: (key, entry) => writing(key, inner.set(key, entry)),
    compareAndSet: (key, expected, next) => writing(key, inner.compareAndSet(key, expected, next)),
    increment: (key, by, expiresAt) => writing(key, inner.increment(key, by, expiresAt)),
    deleteIf: (key, expected) => writing(key, inner.deleteIf(key, expected)),
    // Only expired entries go, which every cached read already treats as absent.
    sweep: inner.sweep,
    sync: Option.some({ get: cached })
  })
})

/** The cached ledger over the shared pool and change feed (build one PostgresChanges per node). */
export const layer = (options: CacheOptions = {}): Layer.Layer<Ledger, never, PostgresClient | PostgresChanges> =>
  Layer.effect(Ledger, make(options))
