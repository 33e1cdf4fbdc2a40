/**
 * The pending sign-in under TestClock: no session before the second factor, none for another user's id, none
 * after 5 minutes; a trusted device for this enrolment skips it, one for another enrolment or user does not.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import type { ProviderId } from "../../../src/domain/Account.ts"
import type { UserId } from "../../../src/domain/User.ts"
import { completePendingSignIn, sessionOrSecondFactor } from "../../../src/domain/twoFactor/pendingSignIn.ts"
import { TrustedDevice } from "../../../src/domain/twoFactor/secondFactorGate.ts"
import { start } from "../../support/memoryHarness.ts"
import { appCode, enrolledUser, twoFactorHarness } from "./twoFactorHarness.ts"

const context = { account: null, profile: null, isNewUser: false, via: "credentials" as ProviderId }
const tagOf = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.result(effect), (r) => (r._tag === "Success" ? "Success" : r.failure._tag))
const onHarness = <A, E, R>(e: Effect.Effect<A, E, R>) =>
  TestClock.setTime(start).pipe(Effect.andThen(Effect.provide(e, twoFactorHarness())))

describe("the pending sign-in", () => {
  it.effect("two-factor on: no session, a pending attempt; the code makes the session", () =>
    onHarness(Effect.gen(function*() {
      const { user, secret } = yield* enrolledUser
      const gate = yield* sessionOrSecondFactor(user, context)
      assert.isNull(gate.session)
      assert.strictEqual(gate.secondFactor?.mode, "code")
      assert.strictEqual(gate.secondFactor?.expiresAt.getTime(), start + 5 * 60_000)
      const attempt = Redacted.value(gate.secondFactor!.attemptId)
      // Another user's id with this attempt: refused, and the attempt survives for its owner.
      const other = "someone-else" as UserId
      assert.strictEqual(yield* tagOf(completePendingSignIn(attempt, other, appCode(secret, start + 30_000))), "TwoFactorPendingInvalid")
      const done = yield* completePendingSignIn(attempt, user.id, appCode(secret, start + 30_000))
      assert.isNotNull(done.session)
      assert.strictEqual(yield* tagOf(completePendingSignIn(attempt, user.id, appCode(secret, start + 60_000))), "TwoFactorPendingInvalid")
    })))

  it.effect("expires after 5 minutes", () =>
    onHarness(Effect.gen(function*() {
      const { user, backupCodes } = yield* enrolledUser
      const gate = yield* sessionOrSecondFactor(user, context)
      yield* TestClock.adjust("5 minutes")
      const late = completePendingSignIn(Redacted.value(gate.secondFactor!.attemptId), user.id, backupCodes[0]!)
      assert.strictEqual(yield* tagOf(late), "TwoFactorPendingInvalid")
    })))

  it.effect("a trusted device of this user and enrolment skips the code; any other trust does not", () =>
    onHarness(Effect.gen(function*() {
      const { user, enrolment } = yield* enrolledUser
      const withTrust = (trust: { userId: string; enrolmentId: string }) =>
        Effect.provideService(sessionOrSecondFactor(user, context), TrustedDevice, trust)
      assert.isNotNull((yield* withTrust({ userId: user.id, enrolmentId: enrolment.id })).session)
      assert.isNull((yield* withTrust({ userId: user.id, enrolmentId: "an-older-enrolment" })).session)
      assert.isNull((yield* withTrust({ userId: "another-user", enrolmentId: enrolment.id })).session)
    })))
})
