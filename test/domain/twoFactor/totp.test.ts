/**
 * TOTP under Effect's TestClock: RFC 6238's test vectors, the edges of a 30-second step, the ±1 step skew, and
 * no replay (a code, or any code of an earlier step, is refused once a step is used).
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { cryptoLayer } from "../../../src/compose/cryptoLayer.ts"
import { base32Encode } from "../../../src/domain/twoFactor/base32.ts"
import { hotp, matchTotp, stepAt } from "../../../src/domain/twoFactor/totp.ts"
import { verifySecondFactor } from "../../../src/domain/twoFactor/verifySecondFactor.ts"
import { start } from "../../support/memoryHarness.ts"
import { appCode, enrolledUser, twoFactorHarness } from "./twoFactorHarness.ts"

const tagOf = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.result(effect), (r) => (r._tag === "Success" ? "Success" : r.failure._tag))

describe("TOTP (RFC 6238)", () => {
  // RFC 6238 Appendix B, SHA-1 rows (the 20-byte ASCII secret "12345678901234567890"), last 6 digits.
  const rfcSecret = new TextEncoder().encode("12345678901234567890")
  const vectors: ReadonlyArray<readonly [number, string]> = [
    [59, "287082"],
    [1111111109, "081804"],
    [1111111111, "050471"],
    [1234567890, "005924"],
    [2000000000, "279037"],
    [20000000000, "353130"]
  ]
  it.effect("matches the RFC's test vectors", () =>
    Effect.gen(function*() {
      for (const [seconds, code] of vectors) assert.strictEqual(yield* hotp(rfcSecret, stepAt(seconds * 1000)), code)
    }).pipe(Effect.provide(cryptoLayer)))

  it.effect("a code is good from its step's first millisecond to the end of the next step, and from the step before", () =>
    Effect.gen(function*() {
      const secret = Redacted.make(base32Encode(rfcSecret))
      const stepStart = 1111111110 * 1000 - (1111111110 * 1000) % 30_000
      const code = appCode(secret, stepStart)
      const step = stepAt(stepStart)
      const at = (millis: number) => matchTotp(secret, code, millis, null)
      expect(yield* at(stepStart)).toEqual(Option.some(step))
      expect(yield* at(stepStart + 29_999)).toEqual(Option.some(step))
      // One step of skew either way: the code of step s is taken at s+1 and at s-1 …
      expect(yield* at(stepStart + 30_000 + 29_999)).toEqual(Option.some(step))
      expect(yield* at(stepStart - 30_000)).toEqual(Option.some(step))
      // … and not two steps away.
      expect(yield* at(stepStart + 60_000)).toEqual(Option.none())
      expect(yield* at(stepStart - 30_001)).toEqual(Option.none())
      // A used step (or a later one) makes the code a replay.
      expect(yield* matchTotp(secret, code, stepStart, step)).toEqual(Option.none())
      expect(yield* matchTotp(secret, code, stepStart, step - 1)).toEqual(Option.some(step))
    }).pipe(Effect.provide(cryptoLayer)))
})

describe("verifySecondFactor under TestClock", () => {
  it.effect("a code is accepted once; its replay and any older code are refused; the next step's code passes", () =>
    Effect.gen(function*() {
      const { user, secret } = yield* enrolledUser
      // Enrolment used the current step: the same code again is a replay.
      assert.strictEqual(yield* tagOf(verifySecondFactor(user.id, appCode(secret, start))), "TwoFactorCodeInvalid")
      yield* TestClock.adjust("30 seconds")
      const next = appCode(secret, start + 30_000)
      assert.strictEqual(yield* tagOf(verifySecondFactor(user.id, next)), "Success")
      assert.strictEqual(yield* tagOf(verifySecondFactor(user.id, next)), "TwoFactorCodeInvalid")
      // The code of the step after next (skew +1) passes once, and then the current step's is older: refused.
      assert.strictEqual(yield* tagOf(verifySecondFactor(user.id, appCode(secret, start + 60_000))), "Success")
      assert.strictEqual(yield* tagOf(verifySecondFactor(user.id, appCode(secret, start + 30_000))), "TwoFactorCodeInvalid")
      // Two steps later the code of an hour ago is refused, and today's passes.
      yield* TestClock.adjust("1 hour")
      assert.strictEqual(yield* tagOf(verifySecondFactor(user.id, appCode(secret, start))), "TwoFactorCodeInvalid")
      assert.strictEqual(
        yield* tagOf(verifySecondFactor(user.id, appCode(secret, start + 3_630_000))),
        "Success"
      )
    }).pipe(Effect.provide(twoFactorHarness()), (e) => TestClock.setTime(start).pipe(Effect.andThen(e))))

  it.effect("codes count against the per-user limit, then pass again after the window", () =>
    Effect.gen(function*() {
      const { user, secret } = yield* enrolledUser
      for (let i = 0; i < 4; i++) assert.strictEqual(yield* tagOf(verifySecondFactor(user.id, "000000")), "TwoFactorCodeInvalid")
      // The enrolment's confirmation counted too: this is the sixth attempt of the minute.
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual(yield* tagOf(verifySecondFactor(user.id, appCode(secret, start + 30_000))), "RateLimited")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* tagOf(verifySecondFactor(user.id, appCode(secret, start + 90_000))), "Success")
    }).pipe(
      Effect.provide(twoFactorHarness({ twoFactor: { limit: 5, window: "1 minute" } })),
      (e) => TestClock.setTime(start).pipe(Effect.andThen(e))
    ))
})
