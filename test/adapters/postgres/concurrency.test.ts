/**
 * Races that only a real database can lose: many connections at once, and two pools standing in for two
 * processes of a fleet sharing one database.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import * as PostgresUsers from "../../../src/adapters/postgres/PostgresUsers.ts"
import { accountKeyOf, ProviderId } from "../../../src/domain/Account.ts"
import { Email } from "../../../src/domain/User.ts"
import { fullTokens, newAccount, newUser, outcomeOf, uuid } from "../../conformance/users/fixtures.ts"
import { client, migratedSchema } from "./testDatabase.ts"

/** Two pools ("two processes") on one migrated schema. */
const twoProcesses = (label: string, max = 10) =>
  Effect.gen(function*() {
    const schema = yield* migratedSchema(label)
    const a = yield* client(schema, { max, applicationName: `${schema}_a` })
    const b = yield* client(schema, { max, applicationName: `${schema}_b` })
    return { schema, a, b, storeA: PostgresUsers.make(a), storeB: PostgresUsers.make(b) }
  })

const hour = 3_600_000

describe("PostgresUsers under concurrency", () => {
  it.live("50 parallel consumers of one verification token over 10 connections: exactly one wins", () =>
    Effect.gen(function*() {
      const { a, schema, storeA } = yield* twoProcesses("consume")
      for (let round = 0; round < 5; round++) {
        const token = { identifier: `u-${uuid()}@example.com`, tokenHash: `hash-${uuid()}`, expires: new Date(Date.now() + hour) }
        yield* storeA.createVerificationToken(token)
        const results = yield* Effect.all(
          Array.from({ length: 50 }, () => storeA.consumeVerificationToken(token.identifier, token.tokenHash)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter(Option.isSome).length, 1)
      }
      // The pool really opened its ten connections, so the consumers ran side by side in the server.
      const backends = yield* Effect.promise(() =>
        a.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${`${schema}_a`}`
      )
      assert.strictEqual(backends[0]?.["n"], 10)
    }).pipe(Effect.scoped))

  it.live("two processes issuing 30 magic links for one address at once, with a cap of 3: exactly 3 rows stay", () =>
    Effect.gen(function*() {
      const { a, storeA, storeB } = yield* twoProcesses("pending_links")
      for (let round = 0; round < 5; round++) {
        const identifier = `u-${uuid()}@example.com`
        const now = Date.now()
        yield* Effect.forEach(
          Array.from({ length: 30 }, (_, i) => i),
          (i) =>
            (i % 2 === 0 ? storeA : storeB).createVerificationToken(
              { identifier, tokenHash: `hash-${uuid()}`, expires: new Date(now + hour + (i % 5) * 1000) },
              { max: 3, now: new Date(now) }
            ),
          { concurrency: "unbounded", discard: true }
        )
        const stored = yield* Effect.promise(() =>
          a.sql`SELECT count(*)::int AS n FROM verification_token WHERE identifier = ${identifier}`
        )
        assert.strictEqual(stored[0]?.["n"], 3)
      }
    }).pipe(Effect.scoped))

  it.live("two processes storing a refresh over the same tokens at once: one wins, for 20 accounts", () =>
    Effect.gen(function*() {
      const { storeA, storeB } = yield* twoProcesses("refreshes")
      const accounts = yield* Effect.forEach(Array.from({ length: 20 }), () =>
        Effect.gen(function*() {
          const user = yield* storeA.createUser(newUser())
          return yield* storeA.linkAccount(newAccount(user.id))
        }))
      const stored = yield* Effect.forEach(accounts, (account) => {
        const spent = { accessToken: account.accessToken, refreshToken: account.refreshToken, idToken: account.idToken }
        return Effect.all([
          storeA.updateAccountIf(accountKeyOf(account), spent, { tokens: fullTokens() }),
          storeB.updateAccountIf(accountKeyOf(account), spent, { tokens: fullTokens() })
        ], { concurrency: "unbounded" })
      }, { concurrency: "unbounded" })
      for (const pair of stored) expect(pair.map(Option.isSome).sort()).toEqual([false, true])
    }).pipe(Effect.scoped))

  it.live("parallel sign-ups of one new e-mail address from two processes: one user, the rest EmailTaken", () =>
    Effect.gen(function*() {
      const { storeA, storeB } = yield* twoProcesses("signup")
      for (let round = 0; round < 5; round++) {
        const email = Email.make(`u-${uuid()}@example.com`)
        const exits = yield* Effect.all(
          Array.from({ length: 20 }, (_, i) => Effect.exit((i % 2 === 0 ? storeA : storeB).createUser(newUser({ email })))),
          { concurrency: "unbounded" }
        )
        const outcomes = exits.map(outcomeOf)
        assert.strictEqual(outcomes.filter((o) => o === "ok").length, 1)
        assert.strictEqual(outcomes.filter((o) => o === "EmailTaken").length, 19)
        const winner = exits.find(Exit.isSuccess)
        assert.strictEqual(Option.getOrThrow(yield* storeB.getUserByEmail(email)).id, winner?.value.id)
      }
    }).pipe(Effect.scoped))

  it.live("parallel guarded unlinks of a user's last two accounts from two processes: one succeeds", () =>
    Effect.gen(function*() {
      const { storeA, storeB } = yield* twoProcesses("unlink")
      const guard = { keepSignInMethod: { verifiedEmailCounts: true } }
      const race = Effect.gen(function*() {
        const user = yield* storeA.createUser(newUser())
        const github = accountKeyOf(yield* storeA.linkAccount(newAccount(user.id, ProviderId.make("github"))))
        const gitlab = accountKeyOf(yield* storeA.linkAccount(newAccount(user.id, ProviderId.make("gitlab"))))
        const exits = yield* Effect.all([
          Effect.exit(storeA.unlinkAccount(github, guard)),
          Effect.exit(storeB.unlinkAccount(gitlab, guard))
        ], { concurrency: "unbounded" })
        expect(exits.map(outcomeOf).sort()).toEqual(["LastSignInMethod", "ok"])
        assert.strictEqual((yield* storeB.listAccounts(user.id)).length, 1)
      })
      yield* Effect.all(Array.from({ length: 20 }, () => race), { concurrency: 5, discard: true })
    }).pipe(Effect.scoped))
})
