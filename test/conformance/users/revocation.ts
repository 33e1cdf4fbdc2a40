/** Users conformance, "revocation": revokeTokenId, revokeUserTokens and isTokenRevoked. */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import type { UserId } from "../../../src/domain/User.ts"
import { type TokenIdentity, Users } from "../../../src/ports/Users.ts"
import type { ProviderId } from "../../../src/domain/Account.ts"
import {
  century,
  type ConformanceIt,
  createUser,
  day,
  github,
  google,
  hour,
  missingUserId,
  now,
  second,
  uuid
} from "./fixtures.ts"

/** Registers the "revocation" block. */
export const describeRevocation = (it: ConformanceIt): void => {
  describe("revocation", () => {
    const identity = (
      userId: UserId,
      issuedAt: Date,
      jti: string = `jti-${uuid()}`,
      via: ProviderId | null = null
    ): TokenIdentity => ({ jti, userId, issuedAt, via })

    it.effect("a token id revoked until a future time is revoked; other ids are not", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const user = missingUserId()
        const revoked = identity(user, new Date(t - hour))
        yield* store.revokeTokenId(revoked.jti, new Date(t + century))
        assert.strictEqual(yield* store.isTokenRevoked(revoked), true)
        assert.strictEqual(yield* store.isTokenRevoked({ ...revoked, issuedAt: new Date(t) }), true)
        assert.strictEqual(yield* store.isTokenRevoked(identity(user, new Date(t - hour))), false)
      }))

    it.effect("a revocation whose time has passed revokes nothing", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const user = yield* createUser()
        const token = identity(user.id, new Date(t - day))
        yield* store.revokeTokenId(token.jti, new Date(t - hour))
        yield* store.revokeUserTokens(user.id, new Date(t), new Date(t - hour))
        assert.strictEqual(yield* store.isTokenRevoked(token), false)
      }))

    it.effect("revokeUserTokens revokes every token of the user issued at or before the given time", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const user = yield* createUser()
        const other = yield* createUser()
        yield* store.revokeUserTokens(user.id, new Date(t), new Date(t + century))
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t - second))), true)
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t))), true)
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t + second))), false)
        assert.strictEqual(yield* store.isTokenRevoked(identity(other.id, new Date(t - second))), false)
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t - second), undefined, github)), true)
      }))

    it.effect("revokeUserTokens with via revokes only the user's tokens that carry that via", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const user = yield* createUser()
        const other = yield* createUser()
        yield* store.revokeUserTokens(user.id, new Date(t), new Date(t + century), { via: github })
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t - second), undefined, github)), true)
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t), undefined, github)), true)
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t + second), undefined, github)), false)
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t - second), undefined, google)), false)
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t - second))), false)
        assert.strictEqual(yield* store.isTokenRevoked(identity(other.id, new Date(t - second), undefined, github)), false)
        // A later, user-wide revocation still covers every token of the user.
        yield* store.revokeUserTokens(user.id, new Date(t), new Date(t + century))
        assert.strictEqual(yield* store.isTokenRevoked(identity(user.id, new Date(t - second), undefined, google)), true)
      }))
  })
}
