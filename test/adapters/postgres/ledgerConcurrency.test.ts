/**
 * The Ledger's atomic primitives raced by two pools on one schema, standing in for two nodes of a fleet:
 * what the conformance suite checks within one pool, here across connections that only the database orders.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Option } from "effect"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import type { Ledger } from "../../../src/ports/Ledger.ts"
import { client, migratedSchema } from "./testDatabase.ts"

const hour = 3_600_000
const newKey = (label: string) => `race:${label}:${crypto.randomUUID()}`

/** Two ledgers ("two nodes"), each over its own pool of `max` connections, on one migrated schema. */
const twoNodes = (label: string, max = 10) =>
  Effect.gen(function*() {
    const schema = yield* migratedSchema(label)
    const a = yield* client(schema, { max, applicationName: `${schema}_a` })
    const b = yield* client(schema, { max, applicationName: `${schema}_b` })
    const backends = Effect.promise(() =>
      a.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name IN (${`${schema}_a`}, ${`${schema}_b`})`
    ).pipe(Effect.map((found) => Number(found[0]?.["n"])))
    return { nodes: [PostgresLedger.make(a), PostgresLedger.make(b)] as const, backends }
  })

/** `count` calls of `f`, alternating between the two nodes, all at once. */
const race = <A, E>(
  nodes: readonly [Ledger["Service"], Ledger["Service"]],
  count: number,
  f: (ledger: Ledger["Service"], i: number) => Effect.Effect<A, E>
) => Effect.all(Array.from({ length: count }, (_, i) => f(nodes[i % 2]!, i)), { concurrency: "unbounded" })

describe("PostgresLedger on two nodes", () => {
  it.live("compare-and-set from absent, from an expired row and from a value: exactly one claim wins, 10 times each; none from an expired value", () =>
    Effect.gen(function*() {
      const { backends, nodes } = yield* twoNodes("ledger_cas")
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
      // An expired entry is absent, also to a compare-and-set that expects the value it held: nobody wins.
      const expired = newKey("expired-value")
      yield* a.set(expired, { value: "start", expiresAt: new Date(now - hour) })
      const won = yield* race(nodes, 20, (ledger, i) =>
        ledger.compareAndSet(expired, Option.some("start"), { value: `claim-${i}`, expiresAt: new Date(now + hour) }))
      assert.strictEqual(won.filter(Boolean).length, 0)
      assert.isTrue(Option.isNone((yield* b.get([expired]))[0]!))
      // Both pools opened more than one connection, so the claims really ran side by side in the server.
      assert.isAbove(yield* backends, 2)
    }).pipe(Effect.scoped))

  it.live("increments from both nodes, on a new counter and on an expired one: none lost, one restart", () =>
    Effect.gen(function*() {
      const { nodes } = yield* twoNodes("ledger_increment")
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

  it.live("two nodes sweeping at once delete each expired entry once, and no live one", () =>
    Effect.gen(function*() {
      const { nodes } = yield* twoNodes("ledger_sweep")
      const [a, b] = nodes
      const now = yield* Clock.currentTimeMillis
      const live = Array.from({ length: 50 }, () => newKey("live"))
      yield* Effect.forEach(live, (key) => a.set(key, { value: "stays", expiresAt: new Date(now + hour) }), { discard: true })
      yield* Effect.forEach(
        Array.from({ length: 500 }, () => newKey("dead")),
        (key) => b.set(key, { value: "gone", expiresAt: new Date(now - hour) }),
        { concurrency: 10, discard: true }
      )
      const swept = yield* race(nodes, 20, (ledger) => ledger.sweep(40))
      for (const n of swept) assert.isAtMost(n, 40)
      assert.strictEqual(swept.reduce((x, y) => x + y, 0) + (yield* a.sweep(1_000)), 500)
      expect((yield* b.get(live)).map((found) => Option.getOrNull(Option.map(found, (e) => e.value))))
        .toEqual(live.map(() => "stays"))
    }).pipe(Effect.scoped))
})
