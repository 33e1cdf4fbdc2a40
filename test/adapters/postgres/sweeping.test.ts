/**
 * Sweeping on PostgreSQL: the sweep's conformance suite (the lock is a session advisory lock on a connection of
 * each node's own), and two nodes running the real schedule on one database, where one sweeps and the other
 * stands by until the first ends.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted, Schedule, Scope } from "effect"
import * as PostgresClient from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresJobLock from "../../../src/adapters/postgres/PostgresJobLock.ts"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { sweeping } from "../../../src/domain/sweepExpired.ts"
import { Ledger } from "../../../src/ports/Ledger.ts"
import { Users } from "../../../src/ports/Users.ts"
import { suite } from "../../conformance/Sweeping.ts"
import { client, freePort, migratedSchema, testDatabase } from "./testDatabase.ts"

suite(
  "postgres",
  Layer.mergeAll(PostgresUsers.layer, PostgresLedger.layer).pipe(Layer.provideMerge(testDatabase("sweep", { max: 6 }))),
  PostgresJobLock.layer,
  {
    unavailable: PostgresJobLock.layer.pipe(Layer.provide(Layer.effect(
      PostgresClient.PostgresClient,
      Effect.promise(freePort).pipe(Effect.flatMap((port) =>
        PostgresClient.make({
          url: Redacted.make(`postgres://postgres@127.0.0.1:${port}/test`),
          connectTimeout: "2 seconds",
          maxReconnectDelay: "20 millis"
        }).pipe(Effect.orDie)
      ))
    )))
  }
)

describe("two nodes sweeping one PostgreSQL on their schedule", () => {
  it.live("one node sweeps every period, the other never, until the first ends; then the other takes over", () =>
    Effect.gen(function*() {
      const schema = yield* migratedSchema("sweep_nodes")
      const calls = { a: 0, b: 0 }
      // A node: a pool of its own, its stores, its lock, its schedule; every delete batch it runs is counted.
      const startNode = (name: "a" | "b") =>
        Effect.gen(function*() {
          const scope = yield* Scope.make()
          const pool = yield* client(schema, { max: 2, applicationName: `${schema}_${name}` }).pipe(Scope.provide(scope))
          const users = PostgresUsers.make(pool)
          const counting = Layer.succeed(Users, {
            ...users,
            deleteExpired: (now, limit) => Effect.tap(users.deleteExpired(now, limit), () => Effect.sync(() => void calls[name]++))
          })
          const node = sweeping({ every: "100 millis", batch: 50 }).pipe(
            Layer.provide(PostgresJobLock.layer),
            Layer.provide(Layer.mergeAll(counting, Layer.succeed(Ledger, PostgresLedger.make(pool)))),
            Layer.provide(Layer.succeed(PostgresClient.PostgresClient, pool))
          )
          yield* Layer.buildWithScope(node, scope)
          return Scope.close(scope, Exit.void)
        })
      const endA = yield* startNode("a")
      const endB = yield* startNode("b")
      yield* Effect.addFinalizer(() => Effect.andThen(endA, endB))

      // Until both have had a dozen turns or so: only one of them ever swept.
      yield* Effect.sleep("1500 millis")
      const [first, second] = calls.a >= calls.b ? (["a", "b"] as const) : (["b", "a"] as const)
      assert.isAtLeast(calls[first], 3, "the holder sweeps every period")
      assert.strictEqual(calls[second], 0, "the other never does")

      // The holder ends (its connection with it): the other takes over at its next turns.
      yield* first === "a" ? endA : endB
      const before = calls[second]
      yield* Effect.sync(() => calls[second]).pipe(
        Effect.repeat({ until: (n) => n > before + 2, schedule: Schedule.spaced("100 millis"), times: 50 })
      )
      assert.isAbove(calls[second], before + 2)
    }).pipe(Effect.scoped), 30_000)
})
