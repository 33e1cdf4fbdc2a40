/**
 * A locked-out identifier recovers (TestClock): past its limit it is refused until the window ends and
 * allowed again after; a failed-password streak of any length waits at most the cap, and a success resets it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as MemoryKeyStore from "../../../src/adapters/memory/MemoryKeyStore.ts"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryRateLimiterStore from "../../../src/adapters/memory/MemoryRateLimiterStore.ts"
import { cryptoLayer } from "../../../src/compose/cryptoLayer.ts"
import { limitIdentifier } from "../../../src/domain/rateLimit/enforceLimit.ts"
import { withPasswordBackoff } from "../../../src/domain/rateLimit/passwordBackoff.ts"
import { type RateLimitOptions, resolveRateLimits } from "../../../src/domain/rateLimit/rateLimitRules.ts"
import { RateLimits } from "../../../src/domain/rateLimit/RateLimits.ts"
import { CredentialsSignin } from "../../../src/domain/SignInError.ts"
import { testSecret } from "../../support/httpHarness.ts"

const limited = (options: RateLimitOptions) =>
  Layer.mergeAll(
    Layer.effect(RateLimits, resolveRateLimits(options, [])),
    MemoryRateLimiterStore.layer(),
    MemoryLedger.layer,
    MemoryKeyStore.layer({ secrets: [Redacted.make(testSecret)] })
  ).pipe(Layer.provideMerge(cryptoLayer))

const wrongPassword = Effect.fail(new CredentialsSignin({ code: "credentials" }))
const rightPassword = Effect.succeed("signed in")
const tagOf = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.result(effect), (r) => (r._tag === "Success" ? "Success" : r.failure._tag))

describe("recovery after the window", () => {
  it.effect("an identifier past its limit is refused until the window ends, then allowed", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 5; i++) yield* limitIdentifier("credentials", "ivy")
      const refused = yield* Effect.flip(limitIdentifier("credentials", "ivy"))
      assert.strictEqual(refused._tag, "RateLimited")
      assert.isTrue(refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60)
      yield* TestClock.adjust("1 minute")
      yield* limitIdentifier("credentials", "ivy")
    }).pipe(Effect.provide(limited({}))))

  it.effect.each([4, 10, 60])("a streak of %d failed passwords waits at most the cap; then the right password works and resets it", (streak) =>
    Effect.gen(function*() {
      let tried = 0
      while (tried < streak) {
        const outcome = yield* tagOf(withPasswordBackoff("jude", wrongPassword))
        if (outcome === "RateLimited") yield* TestClock.adjust("1 second")
        else tried++
      }
      assert.strictEqual(yield* tagOf(withPasswordBackoff("jude", rightPassword)), "RateLimited", "the owner waits too")
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual(yield* tagOf(withPasswordBackoff("jude", rightPassword)), "Success")
      // Reset: the free failures are free again.
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* tagOf(withPasswordBackoff("jude", wrongPassword)), "CredentialsSignin")
    }).pipe(Effect.provide(limited({ credentials: false }))))

  it.effect("a streak is forgotten a window after its first failure", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 4; i++) yield* tagOf(withPasswordBackoff("kim", wrongPassword))
      yield* TestClock.adjust("15 minutes")
      // A fresh streak: three free failures again.
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* tagOf(withPasswordBackoff("kim", wrongPassword)), "CredentialsSignin")
    }).pipe(Effect.provide(limited({ credentials: false }))))
})
