/**
 * Two nodes of one deployment: two bridges, each with its own connections, over one @auth/pg-adapter database
 * and one PostgreSQL Ledger. "One account per provider per user" is the bridge's rule (Auth.js's tables have
 * no such constraint), kept by a compare-and-set on the user's accounts index: with the index in a shared
 * Ledger it holds across nodes, which the key-value ledger the bridge had before (`fromStorage`, serialised
 * per process only) could not promise.
 */
import PostgresAdapter from "@auth/pg-adapter"
import { expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as AuthjsUsers from "../../../src/adapters/authjs/AuthjsUsers.ts"
import * as PostgresLedger from "../../../src/adapters/postgres/PostgresLedger.ts"
import { Ledger } from "../../../src/ports/Ledger.ts"
import type { Users } from "../../../src/ports/Users.ts"
import { century, github, newAccount, newEmail, newUser, now, outcomeOf, second, uuid } from "../../conformance/users/fixtures.ts"
import { client, migratedSchema } from "../postgres/testDatabase.ts"
import { pgPool, pgSchema } from "./support/pgSchema.ts"

/** Two bridges over one @auth/pg-adapter schema, each with its own pools, sharing one PostgreSQL Ledger. */
const twoNodes = (name: string) =>
  Effect.gen(function*() {
    const { pool, schema } = yield* pgSchema(name)
    const ledgerSchema = yield* migratedSchema(`authjs_${name}_ledger`)
    const nodes: Array<Users["Service"]> = []
    for (const adapterPool of [pool, pgPool(schema)]) {
      if (adapterPool !== pool) yield* Effect.addFinalizer(() => Effect.promise(() => adapterPool.end()))
      const ledger = PostgresLedger.make(yield* client(ledgerSchema))
      nodes.push(
        yield* AuthjsUsers.make(PostgresAdapter(adapterPool), { ping: () => adapterPool.query("SELECT 1") }).pipe(
          Effect.provideService(Ledger, ledger)
        )
      )
    }
    return { pool, ledgerSchema, a: nodes[0]!, b: nodes[1]! }
  })

it.live("two nodes sharing one Ledger keep one account per provider per user under a concurrent link race", () =>
  Effect.scoped(Effect.gen(function*() {
    const { pool, ledgerSchema, a, b } = yield* twoNodes("two_nodes")
    for (let round = 0; round < 20; round++) {
      const user = yield* a.createUser(newUser())
      // Three links of three different GitHub accounts from each node at once.
      const exits = yield* Effect.all(
        [a, b, a, b, a, b].map((node) => Effect.exit(node.linkAccount(newAccount(user.id, github)))),
        { concurrency: "unbounded" }
      )
      expect(exits.map(outcomeOf).sort()).toEqual([...Array(5).fill("AccountAlreadyLinked"), "ok"])
      const { rows } = yield* Effect.promise(() =>
        pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE "userId" = $1`, [Number(user.id)])
      )
      expect(rows[0]?.n).toBe(1)
      for (const node of [a, b]) expect((yield* node.listAccounts(user.id)).map((x) => x.provider)).toEqual([github])
      expect(Option.isSome(yield* b.getUserAccount(user.id, github))).toBe(true)
    }
    // The index is where the test says it is: in the shared Ledger's table.
    const ledgerClient = yield* client(ledgerSchema, { max: 1 })
    const indexes = yield* ledgerClient.run((db) =>
      db`SELECT count(*)::int AS n FROM authfx_ledger WHERE key LIKE 'authjs:accounts:%'`)
    expect(indexes[0]?.["n"]).toBe(20)
  })))

it.live("two nodes sharing one Ledger: a burst of magic links for one address split over both leaves at most the cap", () =>
  Effect.scoped(Effect.gen(function*() {
    const { pool, a, b } = yield* twoNodes("two_nodes_links")
    const at = yield* now
    for (let round = 0; round < 5; round++) {
      const identifier = newEmail()
      yield* Effect.forEach(
        Array.from({ length: 12 }, (_, i) => i),
        (i) =>
          (i % 2 === 0 ? a : b).createVerificationToken(
            { identifier, tokenHash: `hash-${uuid()}`, expires: new Date(at + century + (i % 3) * second) },
            { max: 3, now: new Date(at) }
          ),
        { concurrency: "unbounded", discard: true }
      )
      const { rows } = yield* Effect.promise(() =>
        pool.query<{ n: number }>("SELECT count(*)::int AS n FROM verification_token WHERE identifier = $1", [identifier])
      )
      expect(rows[0]?.n).toBeGreaterThanOrEqual(1)
      expect(rows[0]?.n).toBeLessThanOrEqual(3)
    }
  })))
