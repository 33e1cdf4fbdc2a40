/**
 * Single use under concurrency, with every store call interleaved (test/support/interleaved.ts): of many
 * requests racing with one backup code, or one TOTP code, exactly one passes; of two finishes of one pending
 * sign-in with two good codes, exactly one makes a session.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { completePendingSignIn, sessionOrSecondFactor } from "../../../src/domain/twoFactor/pendingSignIn.ts"
import { verifySecondFactor } from "../../../src/domain/twoFactor/verifySecondFactor.ts"
import { start } from "../../support/memoryHarness.ts"
import { appCode, enrolledUser, twoFactorHarness } from "./twoFactorHarness.ts"

const run = <A, E, R>(seed: number, program: Effect.Effect<A, E, R>) =>
  Effect.runPromise(
    TestClock.setTime(start).pipe(
      Effect.andThen(program),
      Effect.provide(twoFactorHarness(false, undefined, seed)),
      Effect.provide(TestClock.layer())
    ) as Effect.Effect<A, unknown>
  )

const passed = <A, E, R>(effects: ReadonlyArray<Effect.Effect<A, E, R>>) =>
  Effect.map(Effect.all(effects.map(Effect.result), { concurrency: "unbounded" }), (results) =>
    results.filter((r) => r._tag === "Success").length)

describe("single use under concurrency", () => {
  it("of 10 racers with one backup code exactly one passes", async () => {
    await fc.assert(fc.asyncProperty(fc.integer(), async (seed) => {
      const wins = await run(seed, Effect.gen(function*() {
        const { user, backupCodes } = yield* enrolledUser
        return yield* passed(Array.from({ length: 10 }, () => verifySecondFactor(user.id, backupCodes[0]!)))
      }))
      assert.strictEqual(wins, 1)
    }), { numRuns: 25 })
  })

  it("of 10 racers with one TOTP code exactly one passes", async () => {
    await fc.assert(fc.asyncProperty(fc.integer(), async (seed) => {
      const wins = await run(seed, Effect.gen(function*() {
        const { user, secret } = yield* enrolledUser
        const code = appCode(secret, start + 30_000)
        return yield* passed(Array.from({ length: 10 }, () => verifySecondFactor(user.id, code)))
      }))
      assert.strictEqual(wins, 1)
    }), { numRuns: 25 })
  })

  it("two finishes of one pending sign-in with two good codes: exactly one session", async () => {
    await fc.assert(fc.asyncProperty(fc.integer(), async (seed) => {
      const wins = await run(seed, Effect.gen(function*() {
        const { user, backupCodes } = yield* enrolledUser
        const { secondFactor } = yield* sessionOrSecondFactor(user, { account: null, profile: null, isNewUser: false, via: "credentials" as never })
        const attempt = Redacted.value(secondFactor!.attemptId)
        return yield* passed([
          completePendingSignIn(attempt, user.id, backupCodes[0]!),
          completePendingSignIn(attempt, user.id, backupCodes[1]!)
        ])
      }))
      assert.strictEqual(wins, 1)
    }), { numRuns: 25 })
  })
})
