import { Effect, Layer, Option } from "effect"
import * as OTPAuth from "otpauth"
import * as MemoryRateLimiterStore from "../../../src/adapters/memory/MemoryRateLimiterStore.ts"
import type { AuthOptions } from "../../../src/domain/AuthConfig.ts"
import { startEnrolment, confirmEnrolment } from "../../../src/domain/twoFactor/enrolment.ts"
import { type RateLimitOptions, resolveRateLimits } from "../../../src/domain/rateLimit/rateLimitRules.ts"
import { RateLimits } from "../../../src/domain/rateLimit/RateLimits.ts"
import { Users } from "../../../src/ports/Users.ts"
import { Clock, Redacted } from "effect"
import { memoryHarness } from "../../support/memoryHarness.ts"

/** The memory harness with the rate limiter the code checks count against (off unless a test sets a rule). */
export const twoFactorHarness = (
  limits: RateLimitOptions | false = false,
  options?: Partial<AuthOptions>,
  interleaveSeed?: number
) =>
  Layer.mergeAll(Layer.effect(RateLimits, resolveRateLimits(limits, [])), MemoryRateLimiterStore.layer()).pipe(
    Layer.provideMerge(memoryHarness(options, interleaveSeed))
  )

/** What an authenticator app shows for `secret` at `millis` (otpauth, an independent implementation). */
export const appCode = (secret: Redacted.Redacted<string> | string, millis: number) =>
  OTPAuth.TOTP.generate({
    secret: OTPAuth.Secret.fromBase32(typeof secret === "string" ? secret : Redacted.value(secret)),
    timestamp: millis
  })

/** A fresh user with two-factor on (confirmed at the current TestClock time): secret and backup codes. */
export const enrolledUser = Effect.gen(function*() {
  const store = yield* Users
  const user = yield* store.createUser({ name: "Ada", email: null, emailVerified: null, image: null })
  const started = yield* startEnrolment(user, "authfx test")
  const now = yield* Clock.currentTimeMillis
  const { backupCodes } = yield* confirmEnrolment(user.id, appCode(started.secret, now))
  const enrolment = Option.getOrThrow(yield* store.getTwoFactor(user.id))
  return { user, secret: started.secret, backupCodes, enrolment }
})
