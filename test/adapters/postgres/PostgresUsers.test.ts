/** What is particular to the PostgreSQL Users, beyond the conformance suite. */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { UserId } from "../../../src/domain/User.ts"
import { newSession, newUser, outcomeOf, uuid } from "../../conformance/users/fixtures.ts"
import { client, migratedSchema, randomSchema } from "./testDatabase.ts"

const store = (label: string) =>
  Effect.gen(function*() {
    const c = yield* client(yield* migratedSchema(label), { max: 2 })
    return { sql: c.sql, store: PostgresUsers.make(c) }
  })

const failureMessage = <A, E extends { readonly message?: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(effect), (error) => String(error.message))

describe("PostgresUsers", () => {
  it.live("ids are Auth.js's integers as strings; anything else names no user, without an error", () =>
    Effect.gen(function*() {
      const { store: s } = yield* store("ids")
      const user = yield* s.createUser(newUser())
      assert.match(user.id, /^[1-9][0-9]*$/)
      for (const id of [`0${user.id}`, `-${user.id}`, "99999999999999999999", "1e3", uuid(), ` ${user.id}`]) {
        assert.isTrue(Option.isNone(yield* s.getUser(UserId.make(id))), id)
        expect(yield* s.listAccounts(UserId.make(id))).toEqual([])
        assert.strictEqual(yield* s.deleteUser(UserId.make(id)), false)
      }
    }).pipe(Effect.scoped))


  it.live("a row the model rejects is reported as such, naming table and column but not the value", () =>
    Effect.gen(function*() {
      const { sql, store: s } = yield* store("misfit")
      const user = yield* s.createUser(newUser())
      yield* Effect.promise(() => sql`UPDATE users SET email = 'not an address' WHERE id = ${user.id}::int`)
      const message = yield* failureMessage(s.getUser(user.id))
      expect(message).toBe("a stored users row does not match the authfx model (email)")
    }).pipe(Effect.scoped))

  it.live("a constraint the operation does not expect is Unavailable, naming the constraint", () =>
    Effect.gen(function*() {
      const { store: s } = yield* store("constraint")
      const user = yield* s.createUser(newUser())
      const session = newSession(user.id, new Date(Date.now() + 3_600_000))
      yield* s.createSession(session)
      const exit = yield* Effect.exit(s.createSession(session))
      assert.strictEqual(outcomeOf(exit), "UsersUnavailable")
      assert.include(yield* failureMessage(s.createSession(session)), "constraint sessions_token_key")
    }).pipe(Effect.scoped))

  it.live("a database that was never migrated says to run authfx migrate", () =>
    Effect.gen(function*() {
      const c = yield* client(randomSchema("unmigrated"), { max: 1 })
      const message = yield* failureMessage(PostgresUsers.make(c).getUser(UserId.make("1")))
      assert.include(message, "run `authfx migrate`")
    }).pipe(Effect.scoped))
})
