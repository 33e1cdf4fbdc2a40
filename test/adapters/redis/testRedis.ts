/**
 * The shared test Redis (127.0.0.1:6379, or REDIS_URL): every test writes under a random key prefix of its
 * own and deletes its keys afterwards, by that prefix only. Never FLUSHALL/FLUSHDB: other runs share it.
 */
import { Effect, Layer } from "effect"
import { createClient } from "redis"
import * as RedisLedger from "../../../src/adapters/redis/RedisLedger.ts"
import type { Ledger } from "../../../src/ports/Ledger.ts"

export const redisUrl = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379"

/**
 * The primitives' timeout in tests that are not about timeouts: a first connection on a loaded machine (this
 * one shares 2 cores among many test runs) can take longer than the 2 s default.
 */
export const patient = "10 seconds"

export const testPrefix = (label: string) => `authfx-test:${label}:${crypto.randomUUID()}:`

/** A plain node-redis client on the test Redis, to look at what the ledger wrote; closed with the scope. */
export const rawClient = Effect.acquireRelease(
  Effect.promise(() => createClient({ url: redisUrl }).connect()),
  (client) => Effect.promise(() => client.close())
)

/** Deletes every key under `prefix` (SCAN, never KEYS: the shared Redis may be large). */
export const deleteKeys = (prefix: string) =>
  Effect.scoped(Effect.flatMap(rawClient, (client) =>
    Effect.promise(async () => {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        if (keys.length > 0) await client.del(keys)
      }
    })))

/** The Redis ledger on the test Redis under a fresh prefix, whose keys go when the layer is released. */
export const testLedger = (label: string, options: RedisLedger.RedisLedgerOptions = {}): Layer.Layer<Ledger> => {
  const keyPrefix = testPrefix(label)
  return Layer.merge(
    RedisLedger.layerUrl({ url: redisUrl, keyPrefix, timeout: patient, ...options }),
    Layer.effectDiscard(Effect.addFinalizer(() => deleteKeys(keyPrefix)))
  )
}
