/**
 * The Redis ledger beyond the conformance suite: what it leaves in Redis (each key with its own expiry, so
 * Redis drops it), keys it did not write, and every way Redis can fail it — a closed client, a server that
 * never answers, a connection that freezes or drops — each LedgerUnavailable within the timeout, and
 * service back by itself afterwards.
 */
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Effect, Layer, Option } from "effect"
import * as RedisLedger from "../../../src/adapters/redis/RedisLedger.ts"
import { Ledger, type LedgerUnavailable } from "../../../src/ports/Ledger.ts"
import { redisProxy } from "./redisProxy.ts"
import { deleteKeys, patient, rawClient, redisUrl, testPrefix } from "./testRedis.ts"

const minute = 60_000
const later = (now: number, millis: number) => new Date(now + millis)

/** A Redis ledger under a fresh prefix (removed afterwards), its prefix, and a plain client to look underneath. */
const ledgerWithPrefix = (label: string, options: Omit<RedisLedger.RedisLedgerUrlOptions, "keyPrefix"> = { url: redisUrl, timeout: patient }) =>
  Effect.gen(function*() {
    const keyPrefix = testPrefix(label)
    yield* Effect.addFinalizer(() => deleteKeys(keyPrefix))
    const context = yield* Layer.build(RedisLedger.layerUrl({ ...options, keyPrefix }))
    return { ledger: Context.get(context, Ledger), keyPrefix, raw: yield* rawClient }
  })

/** Runs every primitive once and answers the tag each failed with (null: it succeeded). */
const everyPrimitive = (ledger: Ledger["Service"], now: number) => {
  const key = `k:${crypto.randomUUID()}`
  const entry = { value: "v", expiresAt: later(now, minute) }
  return Effect.forEach([
    ledger.get([key]),
    ledger.set(key, entry),
    ledger.compareAndSet(key, Option.none(), entry),
    ledger.increment(`${key}:count`, 1, entry.expiresAt),
    ledger.deleteIf(key, "v")
  ], (operation) => Effect.match(operation, { onFailure: (error) => error._tag, onSuccess: () => null }))
}

/** Every primitive, again and again, until all succeed: node-redis reconnects on a backoff of its own. */
const untilRecovered = (ledger: Ledger["Service"], now: number) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((yield* everyPrimitive(ledger, now)).every((tag) => tag === null)) return true
      yield* Effect.sleep("100 millis")
    }
    return false
  })

describe("RedisLedger", () => {
  it.live("every key carries its entry's expiry, so Redis drops it; an increment keeps it; an expired write deletes", () =>
    Effect.gen(function*() {
      const { keyPrefix, ledger, raw } = yield* ledgerWithPrefix("expiry")
      const now = yield* Clock.currentTimeMillis
      yield* ledger.set("a", { value: "x:y", expiresAt: later(now, 10 * minute) })
      const ttl = yield* Effect.promise(() => raw.pTTL(`${keyPrefix}a`))
      assert.isAbove(ttl, 0)
      assert.isAtMost(ttl, 10 * minute)
      assert.strictEqual(yield* Effect.promise(() => raw.get(`${keyPrefix}a`)), `${now + 10 * minute}:x:y`)

      yield* ledger.increment("count", 1, later(now, 5 * minute))
      yield* ledger.increment("count", 1, later(now, 50 * minute))
      const counterTtl = yield* Effect.promise(() => raw.pTTL(`${keyPrefix}count`))
      assert.isAbove(counterTtl, 0)
      assert.isAtMost(counterTtl, 5 * minute, "the window the counter started with")

      yield* ledger.set("a", { value: "gone", expiresAt: later(now, -minute) })
      assert.strictEqual(yield* Effect.promise(() => raw.exists(`${keyPrefix}a`)), 0)

      // Redis itself removes a key once its expiry has passed: nothing is left for a sweep.
      yield* ledger.set("short", { value: "v", expiresAt: later(yield* Clock.currentTimeMillis, 20) })
      yield* Effect.sleep("100 millis")
      assert.strictEqual(yield* Effect.promise(() => raw.exists(`${keyPrefix}short`)), 0)
      assert.strictEqual(yield* ledger.sweep(500), 0)
    }).pipe(Effect.scoped))

  it.live("a key the ledger did not write is LedgerUnavailable to every primitive, and stays as it was", () =>
    Effect.gen(function*() {
      const { keyPrefix, ledger, raw } = yield* ledgerWithPrefix("misfit")
      const now = yield* Clock.currentTimeMillis
      for (const stored of ["plain", ":no-expiry", "soon:v"]) {
        yield* Effect.promise(() => raw.set(`${keyPrefix}k`, stored))
        const entry = { value: "v", expiresAt: later(now, minute) }
        const operations: ReadonlyArray<Effect.Effect<unknown, LedgerUnavailable>> = [
          ledger.get(["k"]),
          ledger.compareAndSet("k", Option.none(), entry),
          ledger.compareAndSet("k", Option.some("v"), entry),
          ledger.increment("k", 1, entry.expiresAt),
          ledger.deleteIf("k", "v")
        ]
        const failures = yield* Effect.forEach(operations, (operation) => Effect.flip(operation))
        for (const failure of failures) assert.strictEqual(failure._tag, "LedgerUnavailable")
        assert.strictEqual(yield* Effect.promise(() => raw.get(`${keyPrefix}k`)), stored)
      }
      yield* Effect.promise(() => raw.set(`${keyPrefix}n`, `${now + minute}:not-a-number`))
      assert.strictEqual((yield* Effect.flip(ledger.increment("n", 1, later(now, minute))))._tag, "LedgerUnavailable")
    }).pipe(Effect.scoped))

  it.live("over a Redis service of your own: works, and a client closed underneath is LedgerUnavailable", () =>
    Effect.gen(function*() {
      const keyPrefix = testPrefix("own")
      yield* Effect.addFinalizer(() => deleteKeys(keyPrefix))
      const context = yield* Layer.build(RedisLedger.layer({ keyPrefix, timeout: patient }).pipe(Layer.provideMerge(NodeRedis.layer({ url: redisUrl }))))
      const ledger = Context.get(context, Ledger)
      const now = yield* Clock.currentTimeMillis
      assert.deepStrictEqual(yield* everyPrimitive(ledger, now), [null, null, null, null, null])
      yield* Effect.promise(() => Context.get(context, NodeRedis.NodeRedis).client.close())
      assert.deepStrictEqual(yield* everyPrimitive(ledger, now), Array(5).fill("LedgerUnavailable"))
    }).pipe(Effect.scoped))

  it.live("a server that takes the connection and never answers: LedgerUnavailable within the timeout, every time", () =>
    Effect.gen(function*() {
      const proxy = yield* redisProxy()
      proxy.freeze()
      const { ledger } = yield* ledgerWithPrefix("silent", { url: proxy.url, timeout: "300 millis" })
      const now = yield* Clock.currentTimeMillis
      for (let round = 0; round < 2; round++) {
        assert.deepStrictEqual(yield* everyPrimitive(ledger, now), Array(5).fill("LedgerUnavailable"))
      }
      // Once it answers, a connection is made without a restart.
      proxy.heal()
      assert.isTrue(yield* untilRecovered(ledger, now))
    }).pipe(Effect.scoped))

  it.live("a connection that freezes, then drops: LedgerUnavailable, then service again by itself", () =>
    Effect.gen(function*() {
      const proxy = yield* redisProxy()
      const { ledger } = yield* ledgerWithPrefix("drops", { url: proxy.url, timeout: "1 second" })
      const now = yield* Clock.currentTimeMillis
      // Connected first (a first connection on a loaded machine can take longer than the timeout).
      assert.isTrue(yield* untilRecovered(ledger, now))

      proxy.freeze()
      assert.deepStrictEqual(yield* everyPrimitive(ledger, now), Array(5).fill("LedgerUnavailable"))
      proxy.cut()
      assert.deepStrictEqual(yield* everyPrimitive(ledger, now), Array(5).fill("LedgerUnavailable"))
      proxy.heal()
      assert.isTrue(yield* untilRecovered(ledger, now))
    }).pipe(Effect.scoped))
})
