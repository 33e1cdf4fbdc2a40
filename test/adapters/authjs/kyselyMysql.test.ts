/**
 * The bridge over @auth/kysely-adapter with mysql2 on the real MariaDB: the conformance suite unchanged, in a
 * database of its own (authjsSchemas.ts: Auth.js's MySQL tables, with authfx's changes), the ledger in a
 * key-value store (unstorage's memory driver); then what the adapter does not promise.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { createStorage } from "unstorage"
import * as AuthjsLedger from "../../../src/adapters/authjs/AuthjsLedger.ts"
import * as AuthjsUsers from "../../../src/adapters/authjs/AuthjsUsers.ts"
import { Email } from "../../../src/domain/User.ts"
import { Users } from "../../../src/ports/Users.ts"
import { suite } from "../../conformance/Users.ts"
import { freePort } from "../postgres/testDatabase.ts"
import { downLedgerStorage } from "./support/downStorage.ts"
import { adapterOn, kyselyDatabase, kyselyOn, pool } from "./support/mariadb.ts"

const bridge = Layer.effect(
  Users,
  Effect.gen(function*() {
    const { db } = yield* kyselyDatabase("conformance")
    return yield* AuthjsUsers.make(adapterOn(db))
  })
).pipe(Layer.provide(AuthjsLedger.fromStorage(createStorage())))

const closedPort = await freePort()
const downDb = kyselyOn(pool("test", { url: `mysql://root@127.0.0.1:${closedPort}`, connectTimeout: 2_000 }))

suite("Auth.js bridge over @auth/kysely-adapter (mysql2, MariaDB)", bridge, {
  unavailable: AuthjsUsers.layer(adapterOn(downDb)).pipe(Layer.provide(AuthjsLedger.fromStorage(downLedgerStorage))),
  listsAccounts: false,
  sweepsExpired: false
})

describe("@auth/kysely-adapter on MariaDB: what it does not promise", () => {
  it.live("useVerificationToken is not atomic without RETURNING: of 50 concurrent raw consumers several win", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db } = yield* kyselyDatabase("consume")
      const adapter = adapterOn(db)
      const token = { identifier: "a@example.com", token: `hash-${crypto.randomUUID()}`, expires: new Date(Date.now() + 60_000) }
      yield* Effect.promise(() => Promise.resolve(adapter.createVerificationToken?.(token)))
      const results = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 50 }, () => adapter.useVerificationToken?.(token)))
      )
      // SELECT, then DELETE: consumers on other connections read the row before the first DELETE commits.
      expect(results.filter((found) => found !== null && found !== undefined).length).toBeGreaterThan(1)
    })))

  it.live("so two processes sharing the database can both consume one token through the bridge", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db, name } = yield* kyselyDatabase("nodes")
      // Two bridges, each with its own pool and in-process queue: two nodes of one deployment.
      const second = kyselyOn(pool(name))
      yield* Effect.addFinalizer(() => Effect.promise(() => second.destroy()))
      const nodes = yield* Effect.all(
        [db, second].map((each) => AuthjsUsers.make(adapterOn(each)).pipe(Effect.provide(AuthjsLedger.memory)))
      )
      let doubled = 0
      for (let round = 0; round < 10; round++) {
        const token = { identifier: "a@example.com", tokenHash: `hash-${crypto.randomUUID()}`, expires: new Date(Date.now() + 60_000) }
        yield* nodes[0]!.createVerificationToken(token)
        const results = yield* Effect.all(
          nodes.flatMap((node) => Array.from({ length: 5 }, () => node.consumeVerificationToken(token.identifier, token.tokenHash))),
          { concurrency: "unbounded" }
        )
        const winners = results.filter(Option.isSome).length
        assert.isAtMost(winners, 2, "each process hands the token to one consumer at most")
        if (winners === 2) doubled++
      }
      expect(doubled).toBeGreaterThan(0)
    })))
})

describe("@auth/kysely-adapter on MariaDB: a collation that ignores case and accents", () => {
  // utf8mb4_general_ci (MariaDB's default) finds élodie@ for Élodie@ and for elodie@. authfx keeps non-ASCII
  // case apart (normalizeEmail), so the bridge must not take the user of one for the other.
  it.live("getUserByEmail answers only the user whose address equals the one asked for, up to ASCII case", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db } = yield* kyselyDatabase("collation")
      const store = yield* AuthjsUsers.make(adapterOn(db)).pipe(Effect.provide(AuthjsLedger.memory))
      const elodie = yield* store.createUser({ name: null, email: Email.make("\u00E9lodie@mail.example"), emailVerified: null, image: null })
      const found = (address: string) => Effect.map(store.getUserByEmail(Email.make(address)), Option.map((user) => user.id))
      expect(yield* found("\u00E9lodie@mail.example")).toEqual(Option.some(elodie.id))
      expect(yield* found("\u00C9lodie@mail.example")).toEqual(Option.none())
      expect(yield* found("elodie@mail.example")).toEqual(Option.none())
    })))
})

process.once("beforeExit", () => void downDb.destroy())
