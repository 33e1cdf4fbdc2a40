import { Clock, Duration, Effect, Layer } from "effect"
import { RateLimiterStore } from "effect/persistence/RateLimiter"

export interface MemoryRateLimiterStoreOptions {
  /** The most counters kept at once. Default 100 000 (a few MB). */
  readonly maxKeys?: number
}

interface Counter {
  count: number
  expiresAt: number
}

interface Bucket {
  tokens: number
  lastRefill: number
}

/**
 * Rate-limit counters in this process's memory, bounded: Effect's `layerStoreMemory` never forgets a key,
 * so a flood of distinct addresses or identifiers would grow it without end. Here, past `maxKeys`, the
 * counter created longest ago goes first (windows are short, so it has usually expired anyway); an entry
 * that expired is dropped when it is met again. Same answers as Effect's memory store otherwise.
 *
 * Adaptive limiting (a client-side feature of Effect's RateLimiter) is not kept: always "inactive".
 */
export const make = (options: MemoryRateLimiterStoreOptions = {}) =>
  Effect.sync(() => {
    const maxKeys = Math.max(1, options.maxKeys ?? 100_000)
    const counters = new Map<string, Counter>()
    const buckets = new Map<string, Bucket>()
    // Inserting at the end keeps each map in creation order: its first key is its oldest.
    const insert = <V>(map: Map<string, V>, key: string, value: V) => {
      map.delete(key)
      while (map.size >= maxKeys) map.delete(map.keys().next().value!)
      map.set(key, value)
      return value
    }
    return RateLimiterStore.of({
      fixedWindow: (o) =>
        Clock.currentTimeMillis.pipe(Effect.map((now) => {
          const refillMillis = Duration.toMillis(o.refillRate)
          const found = counters.get(o.key)
          const counter = found !== undefined && found.expiresAt > now ? found : insert(counters, o.key, { count: 0, expiresAt: now })
          if (o.limit !== undefined && counter.count + o.tokens > o.limit) {
            return [counter.count + o.tokens, counter.expiresAt - now] as const
          }
          counter.count += o.tokens
          counter.expiresAt += refillMillis * o.tokens
          return [counter.count, counter.expiresAt - now] as const
        })),
      tokenBucket: (o) =>
        Clock.currentTimeMillis.pipe(Effect.map((now) => {
          const refillMillis = Duration.toMillis(o.refillRate)
          const bucket = buckets.get(o.key) ?? insert(buckets, o.key, { tokens: o.limit, lastRefill: now })
          const refilled = Math.floor((now - bucket.lastRefill) / refillMillis)
          if (refilled > 0) {
            bucket.tokens = Math.min(o.limit, bucket.tokens + refilled)
            bucket.lastRefill += refilled * refillMillis
          }
          if (bucket.tokens >= o.limit) bucket.lastRefill = now
          const next = bucket.tokens - o.tokens
          if (o.allowOverflow || next >= 0) bucket.tokens = next
          return [next, Math.max(0, now - bucket.lastRefill)] as const
        })),
      adaptiveConsume: () => Effect.succeed({ delay: Duration.zero, epoch: 0, phase: "inactive" as const }),
      adaptiveFeedback: () => Effect.void
    })
  })

export const layer = (options?: MemoryRateLimiterStoreOptions): Layer.Layer<RateLimiterStore> =>
  Layer.effect(RateLimiterStore, make(options))

