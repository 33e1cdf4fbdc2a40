/**
 * The Redis ledger's atomic primitives raced by two clients on one Redis, standing in for two nodes of a
 * fleet: what the conformance suite checks within one client, here across connections only Redis orders.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Clock, Context, Effect, Layer, Option } from "effect"
import * as RedisLedger from "../../../src/adapters/redis/RedisLedger.ts"
import { Ledger } from "../../../src/ports/Ledger.ts"
import { deleteKeys, patient, redisUrl, testPrefix } from "./testRedis.ts"

const hour = 3_600_000
const newKey = (label: string) => `race:${label}:${crypto.randomUUID()}`

/** Two ledgers ("two nodes"), each with its own Redis client, under one key prefix. */
const twoNodes = (label: string) =>
  Effect.gen(function*() {
    const keyPrefix = testPrefix(label)
    yield* Effect.addFinalizer(() => deleteKeys(keyPrefix))
    const node = Effect.map(
      Layer.build(Layer.fresh(RedisLedger.layerUrl({ url: redisUrl, keyPrefix, timeout: patient }))),
      (context) => Context.get(context, Ledger)
    )
    return [yield* node, yield* node] as const
  })

/** `count` calls of `f`, alternating between the two nodes, all at once. */
const race = <A, E>(
  nodes: readonly [Ledger["Service"], Ledger["Service"]],
  count: number,
  f: (ledger: Ledger["Service"], i: number) => Effect.Effect<A, E>
) => Effect.all(Array.from({ length: count }, (_, i) => f(nodes[i % 2]!, i)), { concurrency: "unbounded" })

describe("RedisLedger on two nodes", () => {
  it.live("compare-and-set from absent, from an expired entry and from a value: exactly one wins, 10 times each; none from an expired value", () =>
    Effect.gen(function*() {
      const nodes = yield* twoNodes("cas")
      const [a, b] = nodes
      const now = yield* Clock.currentTimeMillis
      const starts: ReadonlyArray<readonly [string, (key: string) => Effect.Effect<void, unknown>, Option.Option<string>]> = [
        ["absent", () => Effect.void, Option.none()],
        ["expired", (key) => a.set(key, { value: "old", expiresAt: new Date(now - hour) }), Option.none()],
        ["value", (key) => a.set(key, { value: "start", expiresAt: new Date(now + hour) }), Option.some("start")]
      ]
      for (const [label, prepare, expected] of starts) {
        for (let round = 0; round < 10; round++) {
          const key = newKey(label)
          yield* prepare(key)
          const won = yield* race(nodes, 20, (ledger, i) =>
            ledger.compareAndSet(key, expected, { value: `claim-${i}`, expiresAt: new Date(now + hour) }))
          assert.strictEqual(won.filter(Boolean).length, 1, `${label}, round ${round}`)
          const stored = Option.getOrThrow((yield* b.get([key]))[0]!)
          assert.strictEqual(stored.value, `claim-${won.indexOf(true)}`)
        }
      }
      // An entry written expired is absent, also to a compare-and-set that expects the value it held.
      const expired = newKey("expired-value")
      yield* a.set(expired, { value: "start", expiresAt: new Date(now - hour) })
      const won = yield* race(nodes, 20, (ledger, i) =>
        ledger.compareAndSet(expired, Option.some("start"), { value: `claim-${i}`, expiresAt: new Date(now + hour) }))
      assert.strictEqual(won.filter(Boolean).length, 0)
      assert.isTrue(Option.isNone((yield* b.get([expired]))[0]!))
    }).pipe(Effect.scoped))

  it.live("increments from both nodes, on a new counter and on an expired one: none lost, one window", () =>
    Effect.gen(function*() {
      const nodes = yield* twoNodes("increment")
      const [a, b] = nodes
      const now = yield* Clock.currentTimeMillis
      const window = new Date(now + hour)
      for (const stale of [false, true]) {
        const key = newKey(stale ? "expired" : "new")
        if (stale) yield* a.set(key, { value: "999", expiresAt: new Date(now - hour) })
        const counts = yield* race(nodes, 200, (ledger) => ledger.increment(key, 1, window))
        expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
        for (const c of counts) assert.deepStrictEqual(c.expiresAt, window)
        assert.strictEqual(Option.getOrThrow((yield* b.get([key]))[0]!).value, "200")
      }
    }).pipe(Effect.scoped))

  it.live("a single-use claim taken and released across nodes: deleteIf by one, compare-and-set by the other", () =>
    Effect.gen(function*() {
      const nodes = yield* twoNodes("release")
      const [a, b] = nodes
      const now = yield* Clock.currentTimeMillis
      const key = newKey("claim")
      assert.isTrue(yield* a.compareAndSet(key, Option.none(), { value: "a", expiresAt: new Date(now + hour) }))
      const released = yield* race(nodes, 10, (ledger) => ledger.deleteIf(key, "a"))
      assert.strictEqual(released.filter(Boolean).length, 1)
      assert.isTrue(yield* b.compareAndSet(key, Option.none(), { value: "b", expiresAt: new Date(now + hour) }))
    }).pipe(Effect.scoped))
})
