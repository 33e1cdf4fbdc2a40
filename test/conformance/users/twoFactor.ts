/** Users conformance, "two-factor": the TOTP enrolment, its last step and its backup codes. */
import { assert, describe, expect } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import type { UserId } from "../../../src/domain/User.ts"
import { Users } from "../../../src/ports/Users.ts"
import { type ConformanceIt, createUser, expectNone, expectSome, missingUserId, now, outcomeOf, uuid } from "./fixtures.ts"

/** Registers the "two-factor" block. */
export const describeTwoFactor = (it: ConformanceIt): void => {
  describe("two-factor", () => {
    const pendingFor = (userId: UserId, createdAt: Date) => ({
      userId,
      id: `enrolment-${uuid()}`,
      secret: Redacted.make(`SECRET${uuid().replaceAll("-", "").toUpperCase()}`),
      createdAt
    })
    /** A user with an enabled enrolment at step 100 and three backup codes. */
    const enrolled = Effect.gen(function*() {
      const store = yield* Users
      const user = yield* createUser()
      const pending = pendingFor(user.id, new Date(yield* now))
      assert.isTrue(yield* store.startTwoFactor(pending))
      const codes = [`code-${uuid()}`, `code-${uuid()}`, `code-${uuid()}`]
      assert.isTrue(
        yield* store.enableTwoFactor(user.id, pending.id, { enabledAt: new Date(yield* now), step: 100, backupCodeHashes: codes })
      )
      return { user, pending, codes }
    })

    it.effect("a started enrolment reads back pending, with its secret; none for a user without one", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        expectNone(yield* store.getTwoFactor(user.id), "an enrolment before any")
        const pending = pendingFor(user.id, new Date(yield* now))
        assert.isTrue(yield* store.startTwoFactor(pending))
        const read = expectSome(yield* store.getTwoFactor(user.id), "the enrolment")
        expect({ ...read, secret: Redacted.value(read.secret) }).toEqual({
          userId: user.id,
          id: pending.id,
          secret: Redacted.value(pending.secret),
          createdAt: pending.createdAt,
          enabledAt: null,
          lastStep: null,
          backupCodes: 0
        })
      }))

    it.effect("startTwoFactor replaces a pending enrolment, never an enabled one; no user is UserNotFound", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const first = pendingFor(user.id, new Date(yield* now))
        const second = pendingFor(user.id, new Date(yield* now))
        assert.isTrue(yield* store.startTwoFactor(first))
        assert.isTrue(yield* store.startTwoFactor(second))
        assert.strictEqual(expectSome(yield* store.getTwoFactor(user.id), "enrolment").id, second.id)
        const { user: on, pending } = yield* enrolled
        assert.isFalse(yield* store.startTwoFactor(pendingFor(on.id, new Date(yield* now))))
        const kept = expectSome(yield* store.getTwoFactor(on.id), "the enabled enrolment")
        assert.strictEqual(kept.id, pending.id)
        assert.strictEqual(Redacted.value(kept.secret), Redacted.value(pending.secret))
        const exit = yield* Effect.exit(store.startTwoFactor(pendingFor(missingUserId(), new Date(yield* now))))
        assert.strictEqual(outcomeOf(exit), "UserNotFound")
      }))

    it.effect("enableTwoFactor turns on only the pending enrolment it names, once", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const pending = pendingFor(user.id, new Date(yield* now))
        yield* store.startTwoFactor(pending)
        const facts = { enabledAt: new Date(yield* now), step: 42, backupCodeHashes: ["a", "b"] }
        assert.isFalse(yield* store.enableTwoFactor(user.id, "another-enrolment", facts))
        assert.isTrue(yield* store.enableTwoFactor(user.id, pending.id, facts))
        assert.isFalse(yield* store.enableTwoFactor(user.id, pending.id, { ...facts, step: 50 }))
        const read = expectSome(yield* store.getTwoFactor(user.id), "the enrolment")
        expect([read.enabledAt, read.lastStep, read.backupCodes]).toEqual([facts.enabledAt, 42, 2])
        assert.isFalse(yield* store.enableTwoFactor(missingUserId(), pending.id, facts))
      }))

    it.effect("useTwoFactorStep writes only a later step, of the enrolment it names", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, pending } = yield* enrolled
        assert.isFalse(yield* store.useTwoFactorStep(user.id, pending.id, 100))
        assert.isFalse(yield* store.useTwoFactorStep(user.id, pending.id, 99))
        assert.isFalse(yield* store.useTwoFactorStep(user.id, "another-enrolment", 101))
        assert.isTrue(yield* store.useTwoFactorStep(user.id, pending.id, 101))
        assert.isFalse(yield* store.useTwoFactorStep(user.id, pending.id, 101))
        assert.strictEqual(expectSome(yield* store.getTwoFactor(user.id), "enrolment").lastStep, 101)
      }))

    it.effect("a pending enrolment takes no step and no backup code", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const pending = pendingFor(user.id, new Date(yield* now))
        yield* store.startTwoFactor(pending)
        assert.isFalse(yield* store.useTwoFactorStep(user.id, pending.id, 1))
        assert.isFalse(yield* store.replaceBackupCodes(user.id, pending.id, ["x"]))
        assert.isFalse(yield* store.consumeBackupCode(user.id, "x"))
      }))

    it.effect("of 20 concurrent uses of one step exactly one succeeds", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, pending } = yield* enrolled
        const results = yield* Effect.all(
          Array.from({ length: 20 }, () => store.useTwoFactorStep(user.id, pending.id, 101)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter((won) => won).length, 1)
      }))

    it.effect("a backup code is consumed once, only for its user; of 20 concurrent consumers one wins", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, codes } = yield* enrolled
        const other = yield* enrolled
        const [first, second] = codes as [string, string, string]
        assert.isFalse(yield* store.consumeBackupCode(other.user.id, first))
        assert.isTrue(yield* store.consumeBackupCode(user.id, first))
        assert.isFalse(yield* store.consumeBackupCode(user.id, first))
        const results = yield* Effect.all(
          Array.from({ length: 20 }, () => store.consumeBackupCode(user.id, second)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter((won) => won).length, 1)
        assert.strictEqual(expectSome(yield* store.getTwoFactor(user.id), "enrolment").backupCodes, 1)
      }))

    it.effect("replaceBackupCodes replaces every code of the enabled enrolment it names", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, pending, codes } = yield* enrolled
        assert.isFalse(yield* store.replaceBackupCodes(user.id, "another-enrolment", ["new"]))
        assert.isTrue(yield* store.replaceBackupCodes(user.id, pending.id, ["new-1", "new-2"]))
        assert.isFalse(yield* store.consumeBackupCode(user.id, codes[0]!))
        assert.isTrue(yield* store.consumeBackupCode(user.id, "new-2"))
        assert.strictEqual(expectSome(yield* store.getTwoFactor(user.id), "enrolment").backupCodes, 1)
      }))

    it.effect("deleteTwoFactor removes the enrolment with its codes, once", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, pending, codes } = yield* enrolled
        assert.isTrue(yield* store.deleteTwoFactor(user.id))
        assert.isFalse(yield* store.deleteTwoFactor(user.id))
        expectNone(yield* store.getTwoFactor(user.id), "a deleted enrolment")
        assert.isFalse(yield* store.consumeBackupCode(user.id, codes[0]!))
        assert.isFalse(yield* store.useTwoFactorStep(user.id, pending.id, 200))
        // A fresh enrolment after that starts from nothing.
        assert.isTrue(yield* store.startTwoFactor(pendingFor(user.id, new Date(yield* now))))
      }))

    it.effect("deleting the user deletes the enrolment", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user } = yield* enrolled
        assert.isTrue(yield* store.deleteUser(user.id))
        expectNone(yield* store.getTwoFactor(user.id), "the enrolment of a deleted user")
        assert.isTrue(Exit.isFailure(yield* Effect.exit(store.startTwoFactor(pendingFor(user.id, new Date(yield* now))))))
      }))
  })
}
