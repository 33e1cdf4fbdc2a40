/**
 * The bridge over @auth/kysely-adapter with mysql2 on the real MariaDB: the conformance suite unchanged, in a
 * database of its own (authjsSchemas.ts: Auth.js's MySQL tables, with authfx's changes); then what the adapter
 * does not promise, and what a shared Ledger makes of it. authfx has no MySQL Ledger: the indexes are in the
 * SQLite Ledger (an in-memory database for the suite, a file two nodes share for the consume race).
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as AuthjsUsers from "../../../src/adapters/authjs/AuthjsUsers.ts"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteLedger from "../../../src/adapters/sqlite/SqliteLedger.ts"
import { Email } from "../../../src/domain/User.ts"
import type { Ledger } from "../../../src/ports/Ledger.ts"
import { Users } from "../../../src/ports/Users.ts"
import { suite } from "../../conformance/Users.ts"
import { freePort } from "../postgres/testDatabase.ts"
import { downLedger } from "./support/downStorage.ts"
import { adapterOn, kyselyDatabase, kyselyOn, pool } from "./support/mariadb.ts"

const bridge = Layer.effect(
  Users,
  Effect.gen(function*() {
    const { db } = yield* kyselyDatabase("conformance")
    return yield* AuthjsUsers.make(adapterOn(db))
  })
).pipe(Layer.provide(SqliteLedger.layer.pipe(Layer.provide(SqliteDatabase.layer({ path: ":memory:" })))))

const dir = mkdtempSync(join(tmpdir(), "authfx-authjs-kysely-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const closedPort = await freePort()
const downDb = kyselyOn(pool("test", { url: `mysql://root@127.0.0.1:${closedPort}`, connectTimeout: 2_000 }))

suite("Auth.js bridge over @auth/kysely-adapter (mysql2, MariaDB)", bridge, {
  unavailable: AuthjsUsers.layer(adapterOn(downDb)).pipe(Layer.provide(downLedger)),
  listsAccounts: false,
  sweepsExpired: false,
  storesPasskeys: false
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

  /** Two bridges on one database, each with its own pool: two nodes of one deployment, with the ledger given. */
  const twoNodes = (label: string, ledgerOf: (node: number) => Layer.Layer<Ledger, unknown>) =>
    Effect.gen(function*() {
      const { db, name } = yield* kyselyDatabase(label)
      const second = kyselyOn(pool(name))
      yield* Effect.addFinalizer(() => Effect.promise(() => second.destroy()))
      // Built in the test's scope, so a ledger that holds a connection keeps it open for the test.
      const ledgers = yield* Effect.all([0, 1].map((node) => Layer.build(ledgerOf(node))))
      return yield* Effect.all([db, second].map((each, node) => AuthjsUsers.make(adapterOn(each)).pipe(Effect.provide(ledgers[node]!))))
    })

  /** Rounds of 5 concurrent consumers on each node of one fresh token; how many got it, at most, in a round. */
  const mostWinners = (nodes: ReadonlyArray<Users["Service"]>) =>
    Effect.gen(function*() {
      let most = 0
      for (let round = 0; round < 10; round++) {
        const token = { identifier: "a@example.com", tokenHash: `hash-${crypto.randomUUID()}`, expires: new Date(Date.now() + 60_000) }
        yield* nodes[0]!.createVerificationToken(token)
        const results = yield* Effect.all(
          nodes.flatMap((node) => Array.from({ length: 5 }, () => node.consumeVerificationToken(token.identifier, token.tokenHash))),
          { concurrency: "unbounded" }
        )
        most = Math.max(most, results.filter(Option.isSome).length)
      }
      return most
    })

  it.live("two nodes that share one Ledger hand each magic link to exactly one consumer", () =>
    Effect.scoped(Effect.gen(function*() {
      // Each node opens the ledger file itself, as two processes would.
      const file = join(dir, `consume-${crypto.randomUUID()}.db`)
      const nodes = yield* twoNodes("shared", () => SqliteLedger.layer.pipe(Layer.provide(SqliteDatabase.layer({ path: file }))))
      expect(yield* mostWinners(nodes)).toBe(1)
    })))

  it.live("without a shared Ledger (each node its own memory), two nodes can both consume one token", () =>
    Effect.scoped(Effect.gen(function*() {
      const nodes = yield* twoNodes("apart", () => MemoryLedger.layer)
      expect(yield* mostWinners(nodes)).toBe(2)
    })))
})

describe("@auth/kysely-adapter on MariaDB: a collation that ignores case and accents", () => {
  // utf8mb4_general_ci (MariaDB's default) finds élodie@ for Élodie@ and for elodie@. authfx keeps non-ASCII
  // case apart (normalizeEmail), so the bridge must not take the user of one for the other.
  it.live("getUserByEmail answers only the user whose address equals the one asked for, up to ASCII case", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db } = yield* kyselyDatabase("collation")
      const store = yield* AuthjsUsers.make(adapterOn(db)).pipe(Effect.provide(MemoryLedger.layer))
      const elodie = yield* store.createUser({ name: null, email: Email.make("\u00E9lodie@mail.example"), emailVerified: null, image: null })
      const found = (address: string) => Effect.map(store.getUserByEmail(Email.make(address)), Option.map((user) => user.id))
      expect(yield* found("\u00E9lodie@mail.example")).toEqual(Option.some(elodie.id))
      expect(yield* found("\u00C9lodie@mail.example")).toEqual(Option.none())
      expect(yield* found("elodie@mail.example")).toEqual(Option.none())
    })))
})

process.once("beforeExit", () => void downDb.destroy())
