/** Users conformance, "unlinking": unlinkAccount, with and without keepSignInMethod, alone and racing. */
import { assert, describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { accountKeyOf } from "../../../src/domain/Account.ts"
import { Users } from "../../../src/ports/Users.ts"
import {
  accountFields,
  type ConformanceIt,
  createUser,
  day,
  expectNone,
  expectSome,
  github,
  google,
  keepSignInMethod,
  newAccount,
  now,
  outcomeOf,
  userWithAccount
} from "./fixtures.ts"

/** Registers the "unlinking" block. */
export const describeUnlinking = (it: ConformanceIt): void => {
  describe("unlinking", () => {
    it.effect("unlinkAccount without keepSignInMethod removes even the last account and returns it", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, account, key } = yield* userWithAccount()
        const removed = yield* store.unlinkAccount(key)
        expect(accountFields(expectSome(removed, "the removed account"))).toEqual(accountFields(account))
        expectNone(yield* store.getAccount(key), "unlinked account")
        expectNone(yield* store.getUserByAccount(key), "user by an unlinked account")
        expect(yield* store.listAccounts(user.id)).toEqual([])
        assert.isTrue(Option.isSome(yield* store.getUser(user.id)), "the user stays")
        expectNone(yield* store.unlinkAccount(key), "second unlink")
        expectNone(yield* store.unlinkAccount(key, keepSignInMethod(true)), "unlink of an unlinked account")
      }))

    it.effect("with keepSignInMethod, an account goes while another remains; the last one is refused", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, account, key } = yield* userWithAccount()
        const other = yield* store.linkAccount(newAccount(user.id, google))
        const removed = yield* store.unlinkAccount(accountKeyOf(other), keepSignInMethod(false))
        expect(accountFields(expectSome(removed, "the removed account"))).toEqual(accountFields(other))
        const error = yield* Effect.flip(store.unlinkAccount(key, keepSignInMethod(false)))
        assert.strictEqual(error._tag, "LastSignInMethod")
        if (error._tag === "LastSignInMethod") assert.strictEqual(error.provider, "github")
        expect(accountFields(expectSome(yield* store.getAccount(key), "the kept account"))).toEqual(accountFields(account))
        assert.strictEqual((yield* store.listAccounts(user.id)).length, 1)
      }))

    it.effect("a verified address does not count unless verifiedEmailCounts", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser({ emailVerified: new Date((yield* now) - day) })
        const account = yield* store.linkAccount(newAccount(user.id))
        const error = yield* Effect.flip(store.unlinkAccount(accountKeyOf(account), keepSignInMethod(false)))
        assert.strictEqual(error._tag, "LastSignInMethod")
        assert.strictEqual((yield* store.listAccounts(user.id)).length, 1)
      }))

    it.effect("the last account may go when verifiedEmailCounts and the address is verified", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser({ emailVerified: new Date((yield* now) - day) })
        const account = yield* store.linkAccount(newAccount(user.id))
        const removed = yield* store.unlinkAccount(accountKeyOf(account), keepSignInMethod(true))
        expect(accountFields(expectSome(removed, "the removed account"))).toEqual(accountFields(account))
        expect(yield* store.listAccounts(user.id)).toEqual([])
      }))

    it.effect("an unverified address does not count, even when verifiedEmailCounts", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, key } = yield* userWithAccount()
        assert.strictEqual(user.emailVerified, null)
        const error = yield* Effect.flip(store.unlinkAccount(key, keepSignInMethod(true)))
        assert.strictEqual(error._tag, "LastSignInMethod")
        assert.isTrue(Option.isSome(yield* store.getAccount(key)))
      }))

    it.effect("a verification date without an address does not count", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser({ email: null, emailVerified: new Date((yield* now) - day) })
        const account = yield* store.linkAccount(newAccount(user.id))
        const error = yield* Effect.flip(store.unlinkAccount(accountKeyOf(account), keepSignInMethod(true)))
        assert.strictEqual(error._tag, "LastSignInMethod")
        assert.isTrue(Option.isSome(yield* store.getAccount(accountKeyOf(account))))
      }))

    it.effect.each([
      { verifiedEmailCounts: false, emailVerified: true },
      { verifiedEmailCounts: true, emailVerified: false }
    ])(
      "concurrent unlinks of a user's last two accounts: exactly one succeeds (%o)",
      ({ verifiedEmailCounts, emailVerified }) =>
        Effect.gen(function*() {
          const store = yield* Users
          const verifiedAt = emailVerified ? new Date((yield* now) - day) : null
          const race = Effect.gen(function*() {
            const user = yield* createUser({ emailVerified: verifiedAt })
            const a = accountKeyOf(yield* store.linkAccount(newAccount(user.id, github)))
            const b = accountKeyOf(yield* store.linkAccount(newAccount(user.id, google)))
            const exits = yield* Effect.all(
              [a, b].map((key) => Effect.exit(store.unlinkAccount(key, keepSignInMethod(verifiedEmailCounts)))),
              { concurrency: "unbounded" }
            )
            const outcomes = exits.map(outcomeOf)
            expect([...outcomes].sort()).toEqual(["LastSignInMethod", "ok"])
            const kept = outcomes[0] === "ok" ? b : a
            const remaining = yield* store.listAccounts(user.id)
            expect(remaining.map(accountKeyOf)).toEqual([kept])
          })
          // Several races at once, so that a database adapter without the atomic guard is caught.
          yield* Effect.all(Array.from({ length: 10 }, () => race), { concurrency: "unbounded", discard: true })
        })
    )
  })
}
