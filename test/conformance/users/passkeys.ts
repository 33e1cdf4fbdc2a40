/** Users conformance, "passkeys": Auth.js's Authenticator records, their counter, and their webauthn accounts. */
import { assert, describe, expect } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import { accountKeyOf, ProviderId } from "../../../src/domain/Account.ts"
import type { Authenticator } from "../../../src/domain/Passkey.ts"
import type { UserId } from "../../../src/domain/User.ts"
import { Users } from "../../../src/ports/Users.ts"
import {
  type ConformanceIt,
  createUser,
  expectNone,
  expectSome,
  github,
  keepSignInMethod,
  missingUserId,
  newAccount,
  outcomeOf
} from "./fixtures.ts"

export const passkey = ProviderId.make("passkey")

const base64 = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")

export const newAuthenticator = (userId: UserId, fields: Partial<Authenticator> = {}): Authenticator => {
  const credentialID = base64()
  return {
    credentialID,
    userId,
    providerAccountId: credentialID,
    credentialPublicKey: base64(),
    counter: 0,
    credentialDeviceType: "singleDevice",
    credentialBackedUp: false,
    transports: "internal,hybrid",
    ...fields
  }
}

/** A fresh user with one passkey: its webauthn account, then its authenticator, as Auth.js registers one. */
export const userWithPasskey = (fields: Partial<Authenticator> = {}) =>
  Effect.gen(function*() {
    const store = yield* Users
    const user = yield* createUser()
    const authenticator = newAuthenticator(user.id, fields)
    const account = yield* store.linkAccount(
      newAccount(user.id, passkey, { type: "webauthn", providerAccountId: authenticator.providerAccountId })
    )
    yield* store.createAuthenticator(authenticator)
    return { user, account, authenticator }
  })

/** Registers the "passkeys" block; a store without passkeys must say so with `PasskeysUnsupported`. */
export const describePasskeys = (it: ConformanceIt, storesPasskeys: boolean, deletesAuthenticators: boolean): void => {
  describe("passkeys", () => {
    if (!storesPasskeys) {
      it.effect("a store that cannot keep passkeys fails with PasskeysUnsupported", () =>
        Effect.gen(function*() {
          const store = yield* Users
          const user = yield* createUser()
          const outcomes = [
            outcomeOf(yield* Effect.exit(store.createAuthenticator(newAuthenticator(user.id)))),
            outcomeOf(yield* Effect.exit(store.getAuthenticator(base64()))),
            outcomeOf(yield* Effect.exit(store.listAuthenticators(user.id))),
            outcomeOf(yield* Effect.exit(store.updateAuthenticatorCounter(base64(), 0, 1)))
          ]
          expect(outcomes).toEqual(Array(4).fill("PasskeysUnsupported"))
        }))
      return
    }

    it.effect("an authenticator is found by credential id and listed for its user, fields intact", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, authenticator } = yield* userWithPasskey({ counter: 7, credentialBackedUp: true, transports: null })
        expect(expectSome(yield* store.getAuthenticator(authenticator.credentialID), "the authenticator")).toEqual(
          authenticator
        )
        expect(yield* store.listAuthenticators(user.id)).toEqual([authenticator])
        expectNone(yield* store.getAuthenticator(base64()), "an unknown credential")
        expect(yield* store.listAuthenticators(missingUserId())).toEqual([])
      }))

    it.effect("a user may hold several passkeys (webauthn accounts at one provider), but not two github accounts", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user } = yield* userWithPasskey()
        const second = newAuthenticator(user.id)
        yield* store.linkAccount(newAccount(user.id, passkey, { type: "webauthn", providerAccountId: second.providerAccountId }))
        yield* store.createAuthenticator(second)
        assert.strictEqual((yield* store.listAuthenticators(user.id)).length, 2)
        assert.strictEqual((yield* store.listAccounts(user.id)).length, 2)
        yield* store.linkAccount(newAccount(user.id, github))
        const again = yield* Effect.exit(store.linkAccount(newAccount(user.id, github)))
        assert.strictEqual(outcomeOf(again), "AccountAlreadyLinked")
      }))

    it.effect("a credential id is registered once; a user who does not exist gets none", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { authenticator } = yield* userWithPasskey()
        const other = yield* createUser()
        const twice = yield* Effect.exit(store.createAuthenticator({ ...authenticator, userId: other.id }))
        assert.strictEqual(outcomeOf(twice), "AuthenticatorExists")
        const nobody = yield* Effect.exit(store.createAuthenticator(newAuthenticator(missingUserId())))
        assert.strictEqual(outcomeOf(nobody), "UserNotFound")
      }))

    it.effect("the counter is a compare-and-set: a stale expected value writes nothing", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { authenticator } = yield* userWithPasskey({ counter: 3 })
        assert.isTrue(yield* store.updateAuthenticatorCounter(authenticator.credentialID, 3, 4))
        assert.isFalse(yield* store.updateAuthenticatorCounter(authenticator.credentialID, 3, 9))
        const stored = expectSome(yield* store.getAuthenticator(authenticator.credentialID), "the authenticator")
        assert.strictEqual(stored.counter, 4)
        assert.isFalse(yield* store.updateAuthenticatorCounter(base64(), 0, 1), "an unknown credential")
      }))

    it.effect("of concurrent counter updates from one expected value, exactly one writes", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { authenticator } = yield* userWithPasskey({ counter: 10 })
        const wins = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) => store.updateAuthenticatorCounter(authenticator.credentialID, 10, 11 + i)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(wins.filter(Boolean).length, 1)
      }))

    it.effect("unlinking a passkey's account deletes its authenticator; the last way in stays guarded", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, account, authenticator } = yield* userWithPasskey()
        const refused = yield* Effect.exit(store.unlinkAccount(accountKeyOf(account), keepSignInMethod(false)))
        assert.strictEqual(outcomeOf(refused), "LastSignInMethod")
        assert.isTrue(Option.isSome(yield* store.getAuthenticator(authenticator.credentialID)))
        yield* store.linkAccount(newAccount(user.id, github))
        const removed = yield* store.unlinkAccount(accountKeyOf(account), keepSignInMethod(false))
        assert.isTrue(Option.isSome(removed))
        expectNone(yield* store.getAccount(accountKeyOf(account)), "the removed passkey's account")
        if (deletesAuthenticators) {
          expectNone(yield* store.getAuthenticator(authenticator.credentialID), "the removed passkey")
          expect(yield* store.listAuthenticators(user.id)).toEqual([])
        }
      }))

    if (deletesAuthenticators) it.effect("deleting the user deletes their authenticators", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, authenticator } = yield* userWithPasskey()
        assert.isTrue(yield* store.deleteUser(user.id))
        expectNone(yield* store.getAuthenticator(authenticator.credentialID), "a deleted user's passkey")
        assert.isTrue(Exit.isSuccess(yield* Effect.exit(store.listAuthenticators(user.id))))
      }))
  })
}
