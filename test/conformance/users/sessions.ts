/**
 * Users conformance, "sessions": createSession, getSessionAndUser, updateSessionExpiry, deleteSession
 * and deleteUserSessions.
 */
import { assert, describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Users } from "../../../src/ports/Users.ts"
import {
  type ConformanceIt,
  createUser,
  day,
  expectNone,
  github,
  google,
  expectSome,
  hour,
  missingUserId,
  newSession,
  now,
  sessionFields,
  userFields,
  uuid
} from "./fixtures.ts"

/** Registers the "sessions" block. */
export const describeSessions = (it: ConformanceIt): void => {
  describe("sessions", () => {
    it.effect("createSession stores the session; getSessionAndUser answers it with its user", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const session = newSession(user.id, new Date((yield* now) + day))
        expect(sessionFields(yield* store.createSession(session))).toEqual(session)
        const found = expectSome(yield* store.getSessionAndUser(session.tokenHash), "the session")
        expect(sessionFields(found.session)).toEqual(session)
        expect(userFields(found.user)).toEqual(userFields(user))
      }))

    it.effect("getSessionAndUser does not judge expiry: an expired session is answered too", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const session = yield* store.createSession(newSession(user.id, new Date((yield* now) - day)))
        const found = expectSome(yield* store.getSessionAndUser(session.tokenHash), "the expired session")
        expect(sessionFields(found.session)).toEqual(sessionFields(session))
        assert.strictEqual(found.user.id, user.id)
      }))

    it.effect("createSession for a user who does not exist (or no longer does) fails with UserNotFound", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const expires = new Date((yield* now) + day)
        const never = newSession(missingUserId(), expires)
        assert.strictEqual((yield* Effect.flip(store.createSession(never)))._tag, "UserNotFound")
        expectNone(yield* store.getSessionAndUser(never.tokenHash), "session of a missing user")

        const gone = yield* createUser()
        yield* store.deleteUser(gone.id)
        const late = newSession(gone.id, expires)
        assert.strictEqual((yield* Effect.flip(store.createSession(late)))._tag, "UserNotFound")
        expectNone(yield* store.getSessionAndUser(late.tokenHash), "session of a deleted user")
      }))

    it.effect("updateSessionExpiry sets the new expiry and returns the session; None when there is none", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const user = yield* createUser()
        const session = yield* store.createSession(newSession(user.id, new Date(t + hour)))
        const expires = new Date(t + 30 * day)
        const updated = expectSome(yield* store.updateSessionExpiry(session.tokenHash, expires), "the session")
        expect(sessionFields(updated)).toEqual({ ...sessionFields(session), expires })
        const found = expectSome(yield* store.getSessionAndUser(session.tokenHash), "the session")
        expect(sessionFields(found.session)).toEqual({ ...sessionFields(session), expires })
        expectNone(yield* store.updateSessionExpiry(`sess-${uuid()}`, expires), "missing session")
      }))

    it.effect("deleteSession returns the deleted session, then None", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const session = yield* store.createSession(newSession(user.id, new Date((yield* now) + day)))
        const deleted = expectSome(yield* store.deleteSession(session.tokenHash), "the deleted session")
        expect(sessionFields(deleted)).toEqual(sessionFields(session))
        expectNone(yield* store.getSessionAndUser(session.tokenHash), "deleted session")
        expectNone(yield* store.deleteSession(session.tokenHash), "session deleted twice")
      }))

    it.effect("deleteUserSessions deletes every session of the user, returns the count and spares others", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const expires = new Date((yield* now) + day)
        const user = yield* createUser()
        const other = yield* createUser()
        const mine = yield* Effect.forEach([1, 2, 3], () => store.createSession(newSession(user.id, expires)))
        const theirs = yield* store.createSession(newSession(other.id, expires))
        assert.strictEqual(yield* store.deleteUserSessions(user.id), 3)
        for (const session of mine) expectNone(yield* store.getSessionAndUser(session.tokenHash), "deleted session")
        assert.isTrue(Option.isSome(yield* store.getSessionAndUser(theirs.tokenHash)), "another user's session stays")
        assert.isTrue(Option.isSome(yield* store.getUser(user.id)), "the user stays")
        assert.strictEqual(yield* store.deleteUserSessions(user.id), 0)
      }))

    it.effect("a session keeps the provider it was signed in with (or none)", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const expires = new Date((yield* now) + day)
        for (const via of [google, null]) {
          const session = newSession(user.id, expires, via)
          expect(sessionFields(yield* store.createSession(session))).toEqual(session)
          const found = expectSome(yield* store.getSessionAndUser(session.tokenHash), "the session")
          expect(found.session.via).toEqual(via)
        }
      }))

    it.effect("deleteUserSessions with via deletes only the user's sessions signed in with that provider", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const expires = new Date((yield* now) + day)
        const user = yield* createUser()
        const other = yield* createUser()
        const viaGithub = yield* Effect.forEach([1, 2], () => store.createSession(newSession(user.id, expires, github)))
        const viaGoogle = yield* store.createSession(newSession(user.id, expires, google))
        const unknown = yield* store.createSession(newSession(user.id, expires, null))
        const theirs = yield* store.createSession(newSession(other.id, expires, github))
        assert.strictEqual(yield* store.deleteUserSessions(user.id, { via: github }), 2)
        for (const session of viaGithub) expectNone(yield* store.getSessionAndUser(session.tokenHash), "deleted session")
        for (const kept of [viaGoogle, unknown, theirs]) {
          assert.isTrue(Option.isSome(yield* store.getSessionAndUser(kept.tokenHash)), "a session of another provider or user stays")
        }
        assert.strictEqual(yield* store.deleteUserSessions(user.id, { via: github }), 0)
      }))
    it.effect("sync, when present, answers getSessionAndUser as the Effect does, or not at all (undefined)", () =>
      Effect.gen(function*() {
        const store = yield* Users
        if (Option.isNone(store.sync)) return
        const sync = store.sync.value
        const same = (tokenHash: string, what: string) =>
          Effect.map(store.getSessionAndUser(tokenHash), (viaEffect) => {
            const answered = sync.getSessionAndUser(tokenHash)
            if (answered !== undefined) expect(answered, what).toEqual(viaEffect)
          })
        const user = yield* createUser()
        const session = yield* store.createSession(newSession(user.id, new Date((yield* now) + day)))
        yield* same(session.tokenHash, "a session")
        yield* same(uuid(), "no session")
        yield* store.updateUser(user.id, { name: `renamed ${uuid()}` })
        yield* same(session.tokenHash, "after the user changed")
        yield* store.updateSessionExpiry(session.tokenHash, new Date((yield* now) + 2 * day))
        yield* same(session.tokenHash, "after a renewal")
        yield* store.deleteSession(session.tokenHash)
        yield* same(session.tokenHash, "after a sign-out")
        const other = yield* store.createSession(newSession(user.id, new Date((yield* now) + day)))
        yield* same(other.tokenHash, "a second session")
        yield* store.deleteUserSessions(user.id)
        yield* same(other.tokenHash, "after every session of the user went")
      }))

    it.effect("listUserSessions answers every session of the user, expired too, with its details, and no other user's", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const user = yield* createUser()
        const other = yield* createUser()
        // Whole seconds: some stores keep no milliseconds.
        const signedIn = new Date(Math.floor(t / 1000) * 1000 - hour)
        const detailed = {
          ...newSession(user.id, new Date(t + day), google),
          createdAt: signedIn,
          authTime: signedIn,
          client: "Firefox on Linux"
        }
        yield* store.createSession(detailed)
        const expired = yield* store.createSession(newSession(user.id, new Date(t - day), null))
        yield* store.createSession(newSession(other.id, new Date(t + day)))
        const listed = yield* store.listUserSessions(user.id)
        expect(listed.map((session) => session.tokenHash).sort()).toEqual([detailed.tokenHash, expired.tokenHash].sort())
        const found = listed.find((session) => session.tokenHash === detailed.tokenHash)!
        expect({ ...sessionFields(found), createdAt: found.createdAt, authTime: found.authTime, client: found.client })
          .toEqual(detailed)
        // The details come back from a read by token too (the step-up rule reads the auth time there).
        const read = expectSome(yield* store.getSessionAndUser(detailed.tokenHash), "the session")
        expect(read.session.authTime).toEqual(signedIn)
        const bare = listed.find((session) => session.tokenHash === expired.tokenHash)!
        expect([bare.createdAt ?? null, bare.authTime ?? null, bare.client ?? null]).toEqual([null, null, null])
        expect(yield* store.listUserSessions(missingUserId())).toEqual([])
      }))
  })
}
