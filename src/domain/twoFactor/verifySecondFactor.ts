import { Clock, Effect, Option } from "effect"
import { Users } from "../../ports/Users.ts"
import { enforceRule } from "../rateLimit/enforceLimit.ts"
import { RateLimits } from "../rateLimit/RateLimits.ts"
import type { UserId } from "../User.ts"
import { backupCodeHashes, backupCodeShaped } from "./backupCodes.ts"
import { matchTotp, totpShaped } from "./totp.ts"
import { TwoFactorCodeInvalid, type TwoFactorEnrolment, TwoFactorNotEnabled } from "./TwoFactor.ts"

/** Counts one code tried for the user against the `twoFactor` rule (5 a minute by default), before any is checked. */
export const limitCodeAttempt = (userId: UserId) =>
  RateLimits.use((limits) => enforceRule(limits.twoFactor, `user:${userId}`))

/**
 * Checks a second factor of a user with two-factor on: a TOTP code (its step recorded by compare-and-set, so a
 * code is good once, also when two requests race with it) or a backup code (removed as it is used). Every
 * attempt counts against the per-user rate limit first: six digits are a million guesses, and the limit (with
 * the ±1 step window) keeps an attacker far below them.
 */
export const verifySecondFactor = Effect.fn("verifySecondFactor")(function*(userId: UserId, code: string) {
  yield* limitCodeAttempt(userId)
  const store = yield* Users
  const found = yield* store.getTwoFactor(userId)
  if (Option.isNone(found) || found.value.enabledAt === null) return yield* new TwoFactorNotEnabled()
  const enrolment: TwoFactorEnrolment = found.value
  const totp = totpShaped(code)
  if (Option.isSome(totp)) {
    const step = yield* matchTotp(enrolment.secret, totp.value, yield* Clock.currentTimeMillis, enrolment.lastStep)
    if (Option.isSome(step) && (yield* store.useTwoFactorStep(userId, enrolment.id, step.value))) {
      return { method: "totp" as const, enrolment }
    }
    return yield* new TwoFactorCodeInvalid()
  }
  if (Option.isSome(backupCodeShaped(code))) {
    for (const hash of yield* backupCodeHashes(userId, code)) {
      if (yield* store.consumeBackupCode(userId, hash)) return { method: "backup" as const, enrolment }
    }
  }
  return yield* new TwoFactorCodeInvalid()
})
