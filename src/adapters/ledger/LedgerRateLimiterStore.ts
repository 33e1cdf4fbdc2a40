import { Clock, Duration, Effect, Layer, Option } from "effect"
import { RateLimiterError, RateLimiterStore, RateLimitStoreError } from "effect/persistence/RateLimiter"
import { Ledger, type LedgerUnavailable } from "../../ports/Ledger.ts"

/** Counters live in the ledger beside its other entries; the prefix keeps them apart. */
const prefix = "ratelimit:"

const storeError = (operation: string) => (cause: LedgerUnavailable) =>
  new RateLimiterError({ reason: new RateLimitStoreError({ message: `ledger ${operation} failed: ${cause.message}`, cause }) })

// A token bucket's state in one ledger value, so one compare-and-set replaces it whole.
const encodeBucket = (tokens: number, lastRefill: number) => `${tokens}|${lastRefill}`
const decodeBucket = (value: string) => {
  const [tokens, lastRefill] = value.split("|").map(Number)
  return Number.isFinite(tokens) && Number.isFinite(lastRefill) ? { tokens: tokens!, lastRefill: lastRefill! } : undefined
}

/** A bucket step that lost its compare-and-set to another node tries again from what that node wrote. */
const maxBucketAttempts = 16

/**
 * Effect's RateLimiterStore over the Ledger port, so that every ledger (memory, SQLite, PostgreSQL, and any
 * other that passes the ledger conformance suite) keeps rate-limit counters shared by the nodes on it.
 *
 * - `fixedWindow` is one `increment`: atomic on every ledger, so concurrent requests on any node never
 *   lose a count. It is a true fixed window — the counter expires `refillRate × limit` after the request
 *   that started it, and requests past the limit are counted too (they still refuse) — where Effect's own
 *   stores stretch the window with each request; both answer "count after this request, time to reset".
 * - `tokenBucket` reads the bucket and writes it back with `compareAndSet`, retried from the winner's value
 *   when another node wrote first: no read-then-write race, only a retry.
 * - Adaptive limiting is not kept: always "inactive".
 */
export const make = Effect.gen(function*() {
  const ledger = yield* Ledger

  const bucketStep = (o: Parameters<RateLimiterStore["Service"]["tokenBucket"]>[0]) =>
    Effect.gen(function*() {
      const key = prefix + o.key
      const refillMillis = Duration.toMillis(o.refillRate)
      for (let attempt = 0; attempt < maxBucketAttempts; attempt++) {
        const now = yield* Clock.currentTimeMillis
        const [found] = yield* ledger.get([key])
        const current = Option.getOrUndefined(found ?? Option.none())
        const bucket = (current === undefined ? undefined : decodeBucket(current.value)) ?? { tokens: o.limit, lastRefill: now }
        const refilled = Math.floor((now - bucket.lastRefill) / refillMillis)
        let { tokens, lastRefill } = bucket
        if (refilled > 0) {
          tokens = Math.min(o.limit, tokens + refilled)
          lastRefill += refilled * refillMillis
        }
        if (tokens >= o.limit) lastRefill = now
        const next = tokens - o.tokens
        const stored = o.allowOverflow || next >= 0 ? next : tokens
        const elapsed = Math.max(0, now - lastRefill)
        // The entry lives until the bucket would be full again: then absence means "full" anyway.
        const ttl = Math.max(1, Math.ceil(Math.ceil(o.limit - stored) * refillMillis - elapsed))
        const wrote = yield* ledger.compareAndSet(
          key,
          current === undefined ? Option.none() : Option.some(current.value),
          { value: encodeBucket(stored, lastRefill), expiresAt: new Date(now + ttl) }
        )
        if (wrote) return [next, elapsed] as const
      }
      return yield* new RateLimiterError({
        reason: new RateLimitStoreError({ message: "token bucket contended past its retries" })
      })
    })

  return RateLimiterStore.of({
    fixedWindow: (o) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const window = Duration.toMillis(o.refillRate) * (o.limit ?? o.tokens)
        const counted = yield* ledger.increment(prefix + o.key, o.tokens, new Date(now + Math.max(1, Math.ceil(window))))
        return [counted.count, Math.max(0, counted.expiresAt.getTime() - now)] as const
      }).pipe(Effect.mapError(storeError("increment"))),
    tokenBucket: (o) =>
      bucketStep(o).pipe(Effect.catchTag("LedgerUnavailable", (error) => Effect.fail(storeError("compareAndSet")(error)))),
    adaptiveConsume: () => Effect.succeed({ delay: Duration.zero, epoch: 0, phase: "inactive" as const }),
    adaptiveFeedback: () => Effect.void
  })
})

export const layer: Layer.Layer<RateLimiterStore, never, Ledger> = Layer.effect(RateLimiterStore, make)
