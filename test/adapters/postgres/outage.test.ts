/**
 * Outages: backends killed under the pool, and a server stopped and started mid-run. The contract: clear
 * `UsersUnavailable` / `KeyStoreUnavailable` errors while it lasts (never a defect), recovery without
 * help once the database is back, and nothing acknowledged lost.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Redacted, Schedule } from "effect"
import * as PostgresMigrations from "../../../src/adapters/postgres/migrate.ts"
import { PostgresClient } from "../../../src/adapters/postgres/PostgresClient.ts"
import * as PostgresKeyStore from "../../../src/adapters/postgres/PostgresKeyStore.ts"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { accountKeyOf } from "../../../src/domain/Account.ts"
import type { Users } from "../../../src/ports/Users.ts"
import { github, newAccount, newSession, newUser, outcomeOf, uuid } from "../../conformance/users/fixtures.ts"
import { privateCluster } from "./privateCluster.ts"
import { client, migratedSchema, randomSchema } from "./testDatabase.ts"

const hour = 3_600_000
/** What the adapters say while PostgreSQL is away: each names the situation (and its code), nothing else. */
const clearMessage =
  /refused the connection|connection to PostgreSQL (was lost|failed)|ended the connection|starting up or shutting down|did not answer within|connecting to PostgreSQL timed out/

/** The failure's message, when the effect failed with a tagged error that has one. */
const messageOf = (exit: Exit.Exit<unknown, unknown>): string | null => {
  if (Exit.isSuccess(exit)) return null
  const error = Cause.squash(exit.cause)
  return typeof error === "object" && error !== null && "message" in error ? String(error.message) : null
}

/** Retries until the store answers again; fails the test if it does not within ~10 s (plus timeouts). */
const recovered = <A, E>(effect: Effect.Effect<A, E>) =>
  effect.pipe(Effect.retry({ schedule: Schedule.spaced("100 millis"), times: 100 }))

describe("PostgresUsers when backends are terminated", () => {
  it.live("calls fail with UsersUnavailable or succeed (never a defect), and work again after", () =>
    Effect.gen(function*() {
      const schema = yield* migratedSchema("terminate")
      const app = `${schema}_app`
      const c = yield* client(schema, { max: 5, applicationName: app, queryTimeout: "1 second" })
      const admin = yield* client(schema, { max: 2, applicationName: `${schema}_admin` })
      const store = PostgresUsers.make(c)
      const user = yield* store.createUser(newUser())
      const terminate = Effect.promise(() =>
        // The select list runs only for rows the WHERE kept (a WHERE's own AND may run in any order).
        admin.sql`
          SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
          WHERE application_name = ${app} AND pid <> pg_backend_pid()`
      ).pipe(Effect.map((rows) => rows.filter((row) => row["terminated"] === true).length))

      // A call in flight when its backend dies: held on a row lock so that it surely is in flight.
      // (postgres.js's reserve() waits for an idle connection that a fresh pool does not have; begin() opens one.)
      const unlock = Promise.withResolvers<void>()
      const locked = Promise.withResolvers<void>()
      const holder = admin.sql.begin(async (tx) => {
        await tx`SELECT 1 FROM users WHERE id = ${user.id}::int FOR UPDATE`
        locked.resolve()
        await unlock.promise
      })
      yield* Effect.promise(() => locked.promise)
      const blocked = yield* Effect.forkChild(Effect.exit(store.updateUser(user.id, { name: "Blocked" })))
      yield* Effect.sleep("200 millis")
      assert.isAtLeast(yield* terminate, 1)
      const inFlight = yield* Fiber.join(blocked)
      unlock.resolve()
      yield* Effect.promise(() => holder)
      assert.strictEqual(outcomeOf(inFlight), "UsersUnavailable")
      assert.match(messageOf(inFlight) ?? "", clearMessage)

      // Killing the pool's backends again and again under load: every call either succeeds or is Unavailable.
      const calls: ReadonlyArray<() => Effect.Effect<unknown, { readonly _tag: string }>> = [
        () => store.getUser(user.id),
        () => store.createSession(newSession(user.id, new Date(Date.now() + hour))),
        () => store.getUserAccount(user.id, github)
      ]
      const load = Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (i) => Effect.exit(calls[i % calls.length]!()), {
        concurrency: 10
      })
      const killer = Effect.forEach([1, 2, 3], () => Effect.andThen(Effect.sleep("15 millis"), terminate))
      for (let round = 0; round < 2; round++) {
        const [exits] = yield* Effect.all([load, killer], { concurrency: 2 })
        for (const outcome of new Set(exits.map(outcomeOf))) assert.oneOf(outcome, ["ok", "UsersUnavailable"])
      }

      // It works again by itself, at full capacity (as many calls at once as the pool has connections, and
      // more), data intact. A connection postgres.js left stuck shows up as a call that never answers: the
      // client's queryTimeout turns that into Unavailable and replaces the pool.
      const batch = Effect.all(Array.from({ length: 12 }, () => store.getUser(user.id)), { concurrency: "unbounded" })
      const after = yield* recovered(batch)
      for (const found of after) assert.strictEqual(Option.getOrThrow(found).id, user.id)
      assert.strictEqual((yield* store.updateUser(user.id, { name: "After" })).name, "After")
    }).pipe(Effect.scoped))
})

describe("a statement that gets no answer", () => {
  it.live("fails as unavailable after queryTimeout, is cancelled on the server, and the pool is replaced", () =>
    Effect.gen(function*() {
      const schema = yield* migratedSchema("deadline")
      const app = `${schema}_app`
      const c = yield* client(schema, { max: 2, applicationName: app, queryTimeout: "1 second" })
      // Two: one holds the lock in a transaction, the other looks around.
      const admin = yield* client(schema, { max: 2, applicationName: `${schema}_admin` })
      const store = PostgresUsers.make(c)
      const user = yield* store.createUser(newUser({ name: "Before" }))
      const pool = c.sql

      const unlock = Promise.withResolvers<void>()
      const locked = Promise.withResolvers<void>()
      const holder = admin.sql.begin(async (tx) => {
        await tx`SELECT 1 FROM users WHERE id = ${user.id}::int FOR UPDATE`
        locked.resolve()
        await unlock.promise
      })
      yield* Effect.promise(() => locked.promise)
      const started = Date.now()
      const exit = yield* Effect.exit(store.updateUser(user.id, { name: "Late" }))
      assert.strictEqual(outcomeOf(exit), "UsersUnavailable")
      assert.include(messageOf(exit) ?? "", "did not answer within 1 seconds")
      assert.isBelow(Date.now() - started, 3_000)
      assert.notStrictEqual(c.sql, pool, "the pool was replaced")

      // The server was asked to cancel the statement: nothing of ours waits on the lock any more.
      const waiting = () =>
        admin.sql`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${app} AND wait_event_type = 'Lock'`
      const stillWaiting = yield* Effect.promise(waiting).pipe(
        Effect.map((rows) => Number(rows[0]?.["n"])),
        Effect.repeat({ until: (n) => n === 0, schedule: Schedule.spaced("50 millis"), times: 40 })
      )
      assert.strictEqual(stillWaiting, 0)
      unlock.resolve()
      yield* Effect.promise(() => holder)

      // The fresh pool answers at once, and the cancelled update did not happen.
      assert.strictEqual(Option.getOrThrow(yield* store.getUser(user.id)).name, "Before")
    }).pipe(Effect.scoped))
})

describe("the PostgreSQL adapters when the server stops and starts", () => {
  it.live("clear Unavailable errors while it is down, recovery by itself after, no acknowledged write lost", () =>
    Effect.gen(function*() {
      const cluster = yield* privateCluster
      const schema = randomSchema("restart")
      const c = yield* client(schema, { url: cluster.url, max: 4, connectTimeout: "2 seconds", queryTimeout: "2 seconds" })
      yield* PostgresMigrations.migrate.pipe(Effect.provideService(PostgresClient, c))
      const store: Users["Service"] = PostgresUsers.make(c)
      const keys = yield* PostgresKeyStore.make(c, {
        secrets: [Redacted.make("gCQGWpRWRyaVhVU5ztZa0aqGyJooOur9CBDnf8OqHF+6")],
        // Every read goes to the database, so the outage is felt at once.
        cacheTtl: 0
      })

      const user = yield* store.createUser(newUser())
      const account = yield* store.linkAccount(newAccount(user.id))
      const session = yield* store.createSession(newSession(user.id, new Date(Date.now() + hour)))
      const token = { identifier: `u-${uuid()}@example.com`, tokenHash: `hash-${uuid()}`, expires: new Date(Date.now() + hour) }
      yield* store.createVerificationToken(token)
      const sessionKey = yield* keys.current("session")

      // Writes keep coming while the server goes away and comes back.
      const acknowledged: Array<string> = []
      const outcomes = new Set<string>()
      const writer = yield* Effect.forkChild(Effect.forever(
        Effect.gen(function*() {
          const attempt = newSession(user.id, new Date(Date.now() + hour))
          const exit = yield* Effect.exit(store.createSession(attempt))
          outcomes.add(outcomeOf(exit))
          if (Exit.isSuccess(exit)) acknowledged.push(attempt.tokenHash)
          yield* Effect.sleep("20 millis")
        })
      ))
      yield* Effect.sleep("200 millis")
      yield* cluster.stop

      const during: Record<string, Effect.Effect<unknown, { readonly _tag: string }>> = {
        getUser: store.getUser(user.id),
        createUser: store.createUser(newUser()),
        getSessionAndUser: store.getSessionAndUser(session.tokenHash),
        unlinkAccount: store.unlinkAccount(accountKeyOf(account), { keepSignInMethod: { verifiedEmailCounts: true } }),
        consumeVerificationToken: store.consumeVerificationToken(`u-${uuid()}@example.com`, "x")
      }
      for (const [operation, effect] of Object.entries(during)) {
        const started = Date.now()
        const exit = yield* Effect.exit(effect)
        assert.strictEqual(outcomeOf(exit), "UsersUnavailable", operation)
        assert.match(messageOf(exit) ?? "", clearMessage, operation)
        assert.isBelow(Date.now() - started, 5_000, `${operation} answered promptly`)
      }
      // Keys read before keep serving (JWT sessions survive the outage); rotating needs the database.
      assert.strictEqual((yield* keys.current("session")).kid, sessionKey.kid)
      const rotation = yield* Effect.exit(keys.rotate("csrf"))
      assert.strictEqual(outcomeOf(rotation), "KeyStoreUnavailable")
      assert.match(messageOf(rotation) ?? "", clearMessage)

      yield* Effect.sleep("300 millis")
      yield* cluster.start
      const back = yield* recovered(store.getUser(user.id))
      assert.strictEqual(Option.getOrThrow(back).id, user.id)
      yield* Effect.sleep("200 millis")
      yield* Fiber.interrupt(writer)

      for (const outcome of outcomes) assert.oneOf(outcome, ["ok", "UsersUnavailable"], "the writer's outcomes")

      // Everything written before, and every write that was acknowledged, is there.
      assert.strictEqual(Option.getOrThrow(yield* store.getUserByAccount(accountKeyOf(account))).id, user.id)
      assert.isTrue(Option.isSome(yield* store.getSessionAndUser(session.tokenHash)))
      assert.isTrue(Option.isSome(yield* store.consumeVerificationToken(token.identifier, token.tokenHash)))
      assert.isAbove(acknowledged.length, 5)
      const missing = []
      for (const hash of acknowledged) {
        if (Option.isNone(yield* store.getSessionAndUser(hash))) missing.push(hash)
      }
      expect(missing).toEqual([])
      const rotated = yield* keys.rotate("csrf")
      assert.strictEqual((yield* keys.current("csrf")).kid, rotated.kid)
    }).pipe(Effect.scoped), 60_000)
})
