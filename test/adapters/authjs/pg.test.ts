/**
 * The bridge over @auth/pg-adapter on the real PostgreSQL: the conformance suite unchanged on Auth.js's
 * schema.sql plus authfx's constraints (authjsSchemas.ts), its indexes in the PostgreSQL Ledger on the same
 * database (a migrated schema of its own), then what Auth.js's schema as shipped lets through.
 */
import type { AdapterAccount } from "@auth/core/adapters"
import PostgresAdapter from "@auth/pg-adapter"
import { assert, describe, expect, it, layer } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import type pg from "pg"
import { toAuthjsAccount } from "../../../src/adapters/authjs/authjsRecords.ts"
import * as AuthjsUsers from "../../../src/adapters/authjs/AuthjsUsers.ts"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import { ProviderId } from "../../../src/domain/Account.ts"
import { Email, UserId } from "../../../src/domain/User.ts"
import { Users } from "../../../src/ports/Users.ts"
import { suite } from "../../conformance/Users.ts"
import { newAccount, newUser, outcomeOf } from "../../conformance/users/fixtures.ts"
import { freePort, testDatabase } from "../postgres/testDatabase.ts"
import { downLedger } from "./support/downStorage.ts"
import { pgPool, pgSchema } from "./support/pgSchema.ts"

/** The bridge's schema, to write into as Auth.js would, behind the bridge. */
class PgPool extends Context.Service<PgPool, pg.Pool>()("test/authjs/PgPool") {}

const bridgeOn = (variant: "hardened" | "stock", label: string) =>
  Layer.effect(
    Users,
    Effect.gen(function*() {
      const pool = yield* PgPool
      return yield* AuthjsUsers.make(PostgresAdapter(pool), { ping: () => pool.query("SELECT 1") })
    })
  ).pipe(
    Layer.provide(PostgresLedger.layer.pipe(Layer.provide(testDatabase(`authjs_${label}_ledger`)))),
    Layer.provideMerge(Layer.effect(PgPool, Effect.map(pgSchema(label, variant), ({ pool }) => pool)))
  )

const github = ProviderId.make("github")

const closedPort = await freePort()
const downPool = pgPool("public", { url: `postgres://postgres@127.0.0.1:${closedPort}/test`, max: 2 })

suite("Auth.js bridge over @auth/pg-adapter", bridgeOn("hardened", "conformance"), {
  unavailable: AuthjsUsers.layer(PostgresAdapter(downPool), { ping: () => downPool.query("SELECT 1") }).pipe(
    Layer.provide(downLedger)
  ),
  listsAccounts: false,
  sweepsExpired: false,
  storesPasskeys: false
})

describe("@auth/pg-adapter: what the database must add", () => {
  it.live("getUser reports an outage as 'no such user' unless the bridge is given a ping", () =>
    Effect.gen(function*() {
      const blind = yield* AuthjsUsers.make(PostgresAdapter(downPool)).pipe(Effect.provide(MemoryLedger.layer))
      const found = yield* blind.getUser(UserId.make("1"))
      assert.isTrue(Option.isNone(found), "pg-adapter's getUser turns the connection error into null")
      const pinged = yield* AuthjsUsers.make(PostgresAdapter(downPool), { ping: () => downPool.query("SELECT 1") })
        .pipe(Effect.provide(MemoryLedger.layer))
      assert.strictEqual(outcomeOf(yield* Effect.exit(pinged.getUser(UserId.make("1")))), "UsersUnavailable")
    }))

  it.live("with PostgreSQL down and the ledger up, what needs the database is unavailable; the ledger's facts answer", () =>
    Effect.gen(function*() {
      const store = yield* AuthjsUsers.make(PostgresAdapter(downPool), { ping: () => downPool.query("SELECT 1") })
        .pipe(Effect.provide(MemoryLedger.layer))
      const userId = UserId.make("1")
      const key = { provider: github, providerAccountId: "1" }
      const later = new Date(Date.now() + 60_000)
      const outcomes: Record<string, string> = {}
      const operations: Record<string, Effect.Effect<unknown, { readonly _tag: string }>> = {
        createUser: store.createUser(newUser()),
        getUser: store.getUser(userId),
        getUserByAccount: store.getUserByAccount(key),
        linkAccount: store.linkAccount(newAccount(userId)),
        getAccount: store.getAccount(key),
        createSession: store.createSession({ tokenHash: "s", userId, expires: later, via: null }),
        consumeVerificationToken: store.consumeVerificationToken("a@example.com", "h"),
        // The ledger alone knows these: a user it has no accounts or sessions for.
        listAccounts: store.listAccounts(userId),
        deleteUserSessions: store.deleteUserSessions(userId)
      }
      for (const [name, operation] of Object.entries(operations)) outcomes[name] = outcomeOf(yield* Effect.exit(operation))
      expect(outcomes).toEqual({
        createUser: "UsersUnavailable",
        getUser: "UsersUnavailable",
        getUserByAccount: "UsersUnavailable",
        linkAccount: "UsersUnavailable",
        getAccount: "UsersUnavailable",
        createSession: "UsersUnavailable",
        consumeVerificationToken: "UsersUnavailable",
        listAccounts: "ok",
        deleteUserSessions: "ok"
      })
    }))

  it.live("its useVerificationToken is atomic: of 50 concurrent consumers of the raw adapter exactly one wins", () =>
    Effect.scoped(Effect.gen(function*() {
      const { pool } = yield* pgSchema("consume", "stock")
      const adapter = PostgresAdapter(pool)
      const token = { identifier: "a@example.com", token: `hash-${crypto.randomUUID()}`, expires: new Date(Date.now() + 60_000) }
      yield* Effect.promise(() => Promise.resolve(adapter.createVerificationToken?.(token)))
      const results = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 50 }, () => adapter.useVerificationToken?.(token)))
      )
      expect(results.filter((found) => found !== null && found !== undefined)).toHaveLength(1)
    })))

  layer(bridgeOn("stock", "stock"))("on schema.sql as shipped (no UNIQUE, no foreign keys)", (it) => {
    it.effect("concurrent sign-ups with one address can make several users: the bridge's look-up is not enough", () =>
      Effect.gen(function*() {
        const store = yield* Users
        // Warm connections, so that the ten look-ups run side by side rather than queue for connects.
        yield* Effect.all(Array.from({ length: 10 }, () => store.getUserByEmail(Email.make("warm@example.com"))), {
          concurrency: "unbounded"
        })
        let most = 0
        for (let round = 0; round < 3 && most < 2; round++) {
          const email = Email.make(`race-${crypto.randomUUID()}@example.com`)
          const exits = yield* Effect.all(
            Array.from({ length: 10 }, () => Effect.exit(store.createUser(newUser({ email })))),
            { concurrency: "unbounded" }
          )
          most = Math.max(most, exits.filter((exit) => outcomeOf(exit) === "ok").length)
        }
        expect(most).toBeGreaterThan(1)
      }))

    it.effect("concurrent links of one provider account to two users can both succeed", () =>
      Effect.gen(function*() {
        const store = yield* Users
        yield* Effect.all(Array.from({ length: 10 }, () => store.getUserByEmail(Email.make("warm@example.com"))), {
          concurrency: "unbounded"
        })
        // A race, so several rounds: in any one, a look-up may come after the other link landed.
        let bothLinked = 0
        for (let round = 0; round < 5; round++) {
          const [a, b] = yield* Effect.all([store.createUser(newUser()), store.createUser(newUser())])
          const providerAccountId = `acct-${crypto.randomUUID()}`
          const exits = yield* Effect.all(
            [a, b].map((owner) => Effect.exit(store.linkAccount(newAccount(owner.id, undefined, { providerAccountId })))),
            { concurrency: "unbounded" }
          )
          if (exits.every((exit) => outcomeOf(exit) === "ok")) bothLinked++
        }
        expect(bothLinked).toBeGreaterThan(0)
      }))
  })

  layer(bridgeOn("hardened", "hardened"))("with authfx's constraints", (it) => {
    it.effect("an account Auth.js linked before the switch is known by its link only (pg has no getAccount)", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* store.createUser(newUser())
        const legacy = newAccount(user.id, github)
        // As Auth.js links: straight into the table, tokens and all, with no ledger entry.
        const legacyAdapter = PostgresAdapter(yield* PgPool)
        yield* Effect.promise(async () => {
          await legacyAdapter.linkAccount!({ ...toAuthjsAccount(legacy), type: "oauth" } as AdapterAccount)
        })
        expect(yield* store.listAccounts(user.id)).toEqual([])
        const found = Option.getOrThrow(yield* store.getAccount(legacy))
        expect([found.accessToken, found.refreshToken, found.needsReauth]).toEqual([null, null, false])
        expect((yield* store.listAccounts(user.id)).map((a) => a.providerAccountId)).toEqual([legacy.providerAccountId])
        // The next sign-in's tokens are kept from then on.
        const tokens = yield* store.updateAccountTokens(legacy, { ...found, accessToken: Redacted.make("fresh") })
        expect(tokens.accessToken && Redacted.value(tokens.accessToken)).toBe("fresh")
      }))

    it.effect("of 10 concurrent sign-ups with one address exactly one succeeds; the others get EmailTaken", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const email = Email.make(`race-${crypto.randomUUID()}@example.com`)
        const exits = yield* Effect.all(
          Array.from({ length: 10 }, () => Effect.exit(store.createUser(newUser({ email })))),
          { concurrency: "unbounded" }
        )
        const outcomes = exits.map(outcomeOf)
        expect(outcomes.filter((o) => o === "ok")).toHaveLength(1)
        expect(outcomes.filter((o) => o === "EmailTaken")).toHaveLength(9)
      }))

    it.effect("of concurrent links of one provider account to two users exactly one succeeds", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const [a, b] = yield* Effect.all([store.createUser(newUser()), store.createUser(newUser())])
        const providerAccountId = `acct-${crypto.randomUUID()}`
        const exits = yield* Effect.all(
          [a, b].map((owner) => Effect.exit(store.linkAccount(newAccount(owner.id, undefined, { providerAccountId })))),
          { concurrency: "unbounded" }
        )
        expect(exits.map(outcomeOf).sort()).toEqual(["AccountAlreadyLinked", "ok"])
      }))
  })
})

// The pool at a closed port holds no connection; end it so the worker exits promptly.
process.once("beforeExit", () => void downPool.end())
