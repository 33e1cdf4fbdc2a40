import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as PostgresClient from "../../../src/adapters/postgres/PostgresClient.ts"
import { client } from "./testDatabase.ts"

describe("PostgresClient", () => {
  it.effect.each([
    { case: "a schema name that needs quoting", options: { schema: "Auth-Fx" }, message: "schema" },
    { case: "an empty pool", options: { max: 0 }, message: "max" },
    { case: "a zero queryTimeout", options: { queryTimeout: 0 }, message: "queryTimeout" }
  ])("$case fails with InvalidPostgresOptions naming the option, not the URL", ({ message, options }) =>
    Effect.gen(function*() {
      const url = Redacted.make("postgres://authfx:hunter2@127.0.0.1:1/db")
      const error = yield* Effect.flip(Effect.scoped(PostgresClient.make({ url, ...options })))
      assert.strictEqual(error._tag, "InvalidPostgresOptions")
      assert.include(error.message, message)
      assert.notInclude(error.message, "hunter2")
    }))

  it.live("a failure says where it could not connect, never the password", () =>
    Effect.gen(function*() {
      const c = yield* client("authfx_unused", { url: "postgres://authfx:hunter2@127.0.0.1:1/db", max: 1 })
      const error = yield* Effect.flip(c.run((sql) => sql`SELECT 1`))
      assert.strictEqual(error.failure._tag, "Unavailable")
      if (error.failure._tag === "Unavailable") {
        assert.include(error.failure.message, "refused the connection")
        assert.include(error.failure.message, "127.0.0.1:1")
      }
      assert.notInclude(JSON.stringify({ message: error.message, cause: String(error.cause) }), "hunter2")
    }).pipe(Effect.scoped))

  // postgres.js 3.4.9 can settle a statement that a dead connection swallowed with an empty result when the
  // next connection starts; a real result always carries the command the server completed.
  it.live("a result the server never completed is a lost connection, not an empty answer", () =>
    Effect.gen(function*() {
      const c = yield* client("authfx_unused", { max: 1 })
      const swallowed = Object.defineProperty([], "command", { value: null })
      const error = yield* Effect.flip(c.run(() => Promise.resolve(swallowed)))
      assert.strictEqual(error.failure._tag, "Unavailable")
      const completed = yield* c.run((sql) => sql`SELECT 1 AS one WHERE false`)
      assert.strictEqual(completed.length, 0, "a genuine empty answer still passes")
    }).pipe(Effect.scoped))
})
