/** Users conformance, "users": createUser, updateUser and deleteUser, and the user lookups. */
import { assert, describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { type AccountKey, accountKeyOf } from "../../../src/domain/Account.ts"
import { Users } from "../../../src/ports/Users.ts"
import {
  type ConformanceIt,
  createUser,
  day,
  expectNone,
  expectSome,
  github,
  gitlab,
  hour,
  missingUserId,
  newAccount,
  newEmail,
  newSession,
  newUser,
  now,
  userFields,
  userWithAccount,
  uuid
} from "./fixtures.ts"

/** Registers the "users" block. */
export const describeUsers = (it: ConformanceIt): void => {
  describe("users", () => {
    it.effect("createUser assigns an id and stores the user; getUser and getUserByEmail find it", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const verifiedAt = new Date((yield* now) - day)
        const input = newUser({ emailVerified: verifiedAt, image: "https://example.com/ada.png" })
        const user = yield* store.createUser(input)
        expect(userFields(user)).toEqual({ id: user.id, ...input })
        const other = yield* createUser()
        assert.notStrictEqual(other.id, user.id)
        expect(userFields(expectSome(yield* store.getUser(user.id), "the user by id"))).toEqual(userFields(user))
        assert.isNotNull(input.email)
        if (input.email !== null) {
          expect(userFields(expectSome(yield* store.getUserByEmail(input.email), "the user by e-mail")))
            .toEqual(userFields(user))
        }
      }))

    // Auth.js's adapter suite (test/vendor/authjs-adapter-tests) compares what it wrote with toEqual, so every
    // store must give back the same instant, milliseconds included (Auth.js's `emailVerified` is a `new Date()`).
    it.effect("every date keeps its milliseconds: emailVerified, a session's and a verification token's expiry", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const verifiedAt = new Date(t - day + 123)
        const user = yield* store.createUser(newUser({ emailVerified: verifiedAt }))
        expect(expectSome(yield* store.getUser(user.id), "the user").emailVerified).toEqual(verifiedAt)
        const reverifiedAt = new Date(t - hour + 987)
        yield* store.updateUser(user.id, { emailVerified: reverifiedAt })
        expect(expectSome(yield* store.getUser(user.id), "the user").emailVerified).toEqual(reverifiedAt)

        const session = yield* store.createSession(newSession(user.id, new Date(t + day + 1)))
        expect(expectSome(yield* store.getSessionAndUser(session.tokenHash), "the session").session.expires)
          .toEqual(new Date(t + day + 1))
        yield* store.updateSessionExpiry(session.tokenHash, new Date(t + 30 * day + 999))
        expect(expectSome(yield* store.getSessionAndUser(session.tokenHash), "the session").session.expires)
          .toEqual(new Date(t + 30 * day + 999))

        const token = { identifier: newEmail(), tokenHash: `hash-${uuid()}`, expires: new Date(t + hour + 456) }
        yield* store.createVerificationToken(token)
        expect(expectSome(yield* store.consumeVerificationToken(token.identifier, token.tokenHash), "the token").expires)
          .toEqual(token.expires)
      }))

    it.effect("lookups of what does not exist return None (absence is not an error)", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const key: AccountKey = { provider: github, providerAccountId: `acct-${uuid()}` }
        expectNone(yield* store.getUser(missingUserId()), "user")
        expectNone(yield* store.getUserByEmail(newEmail()), "user")
        expectNone(yield* store.getUserByAccount(key), "user")
        expectNone(yield* store.getAccount(key), "account")
        expectNone(yield* store.getUserAccount(missingUserId(), github), "account")
        expect(yield* store.listAccounts(missingUserId())).toEqual([])
        expectNone(yield* store.getSessionAndUser(`sess-${uuid()}`), "session")
        expectNone(yield* store.consumeVerificationToken(`id-${uuid()}`, `hash-${uuid()}`), "verification token")
        const user = yield* createUser()
        expectNone(yield* store.getUserAccount(user.id, github), "account")
        expect(yield* store.listAccounts(user.id)).toEqual([])
      }))

    it.effect("users without an e-mail address do not conflict with each other", () =>
      Effect.gen(function*() {
        const first = yield* createUser({ email: null })
        const second = yield* createUser({ email: null })
        assert.notStrictEqual(first.id, second.id)
        assert.strictEqual(first.email, null)
        assert.strictEqual(second.email, null)
      }))

    it.effect("createUser onto a taken address fails with EmailTaken and changes nothing", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const email = newEmail()
        const holder = yield* createUser({ email, name: "Holder" })
        const error = yield* Effect.flip(store.createUser(newUser({ email, name: "Intruder" })))
        assert.strictEqual(error._tag, "EmailTaken")
        expect(userFields(expectSome(yield* store.getUserByEmail(email), "the holder"))).toEqual(userFields(holder))
        expect(userFields(expectSome(yield* store.getUser(holder.id), "the holder"))).toEqual(userFields(holder))
      }))

    it.effect("updateUser applies the patch, keeps absent keys and returns the user as stored", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser({ name: "Before", image: "https://example.com/before.png" })
        const renamed = yield* store.updateUser(user.id, { name: "After" })
        expect(userFields(renamed)).toEqual({ ...userFields(user), name: "After" })
        expect(userFields(expectSome(yield* store.getUser(user.id), "the user"))).toEqual(userFields(renamed))

        const email = newEmail()
        const verifiedAt = new Date((yield* now) - hour)
        const moved = yield* store.updateUser(user.id, { email, emailVerified: verifiedAt, image: null })
        expect(userFields(moved)).toEqual({ id: user.id, name: "After", email, emailVerified: verifiedAt, image: null })
        expect(userFields(expectSome(yield* store.getUser(user.id), "the user"))).toEqual(userFields(moved))
        expect(userFields(expectSome(yield* store.getUserByEmail(email), "the user by its new address")))
          .toEqual(userFields(moved))
        if (user.email !== null) expectNone(yield* store.getUserByEmail(user.email), "user at the old address")
      }))

    it.effect("updateUser keeping the user's own address is no conflict", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const email = newEmail()
        const user = yield* createUser({ email })
        const updated = yield* store.updateUser(user.id, { email, name: "Same Address" })
        expect(userFields(updated)).toEqual({ ...userFields(user), name: "Same Address" })
      }))

    it.effect("updateUser onto another user's address fails with EmailTaken and changes nothing", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const email = newEmail()
        const holder = yield* createUser({ email })
        const other = yield* createUser({ name: "Other" })
        const error = yield* Effect.flip(store.updateUser(other.id, { email, name: "Changed" }))
        assert.strictEqual(error._tag, "EmailTaken")
        expect(userFields(expectSome(yield* store.getUser(other.id), "the other user"))).toEqual(userFields(other))
        expect(userFields(expectSome(yield* store.getUserByEmail(email), "the holder"))).toEqual(userFields(holder))
        if (other.email !== null) {
          expect(userFields(expectSome(yield* store.getUserByEmail(other.email), "the other user by address")))
            .toEqual(userFields(other))
        }
      }))

    it.effect("an address given up can be taken by another user", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const email = newEmail()
        const first = yield* createUser({ email })
        yield* store.updateUser(first.id, { email: newEmail() })
        const second = yield* createUser()
        const moved = yield* store.updateUser(second.id, { email })
        assert.strictEqual(moved.email, email)
        assert.strictEqual(expectSome(yield* store.getUserByEmail(email), "the new holder").id, second.id)
      }))

    it.effect("updateUser of a user who does not exist fails with UserNotFound", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const error = yield* Effect.flip(store.updateUser(missingUserId(), { name: "Nobody" }))
        assert.strictEqual(error._tag, "UserNotFound")
      }))

    it.effect("deleteUser deletes the user with their accounts and sessions, and says whether the user existed", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const { user, key } = yield* userWithAccount()
        const second = yield* store.linkAccount(newAccount(user.id, gitlab))
        const session = yield* store.createSession(newSession(user.id, new Date(t + day)))
        const bystander = yield* userWithAccount()
        const bystanderSession = yield* store.createSession(newSession(bystander.user.id, new Date(t + day)))

        assert.strictEqual(yield* store.deleteUser(user.id), true)
        expectNone(yield* store.getUser(user.id), "deleted user")
        if (user.email !== null) expectNone(yield* store.getUserByEmail(user.email), "deleted user by address")
        expectNone(yield* store.getAccount(key), "account of the deleted user")
        expectNone(yield* store.getAccount(accountKeyOf(second)), "account of the deleted user")
        expectNone(yield* store.getUserByAccount(key), "user by a deleted account")
        expect(yield* store.listAccounts(user.id)).toEqual([])
        expectNone(yield* store.getSessionAndUser(session.tokenHash), "session of the deleted user")
        // Gone, not merely hidden behind a missing user.
        expectNone(yield* store.deleteSession(session.tokenHash), "session of the deleted user")
        assert.strictEqual(yield* store.deleteUserSessions(user.id), 0)

        // The account is gone, not orphaned: it can be linked to someone else.
        const heir = yield* createUser()
        yield* store.linkAccount(newAccount(heir.id, github, { providerAccountId: key.providerAccountId }))
        assert.strictEqual(expectSome(yield* store.getUserByAccount(key), "the heir").id, heir.id)

        // Others keep theirs.
        assert.strictEqual(expectSome(yield* store.getUser(bystander.user.id), "bystander").id, bystander.user.id)
        assert.isTrue(Option.isSome(yield* store.getAccount(bystander.key)))
        assert.isTrue(Option.isSome(yield* store.getSessionAndUser(bystanderSession.tokenHash)))

        assert.strictEqual(yield* store.deleteUser(user.id), false)
        assert.strictEqual(yield* store.deleteUser(missingUserId()), false)
      }))
  })
}
