/**
 * The Ledger's atomic primitives raced by two pools on one schema, standing in for two nodes of a fleet:
 * what the conformance suite checks within one pool, here across connections that only the database orders.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Option } from "effect"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import { newKey, race, twoNodeSuite } from "../../conformance/LedgerTwoNodes.ts"
import { client, migratedSchema } from "./testDatabase.ts"

const hour = 3_600_000

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

twoNodeSuite("PostgresLedger", (label) =>
  Effect.map(twoNodes(label), ({ backends, nodes }) => ({
    nodes,
    // Both pools opened more than one connection, so the claims really ran side by side in the server.
    sideBySide: Effect.map(backends, (n) => assert.isAbove(n, 2))
  })))

describe("PostgresLedger on two nodes", () => {
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
