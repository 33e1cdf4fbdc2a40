import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { createHash } from "node:crypto"
import type { AuthOptions } from "../../src/domain/AuthConfig.ts"
import { credentialOf, type IssuedSession, type JwtClaims, type SessionRead } from "../../src/domain/Session.ts"
import { endAllSessions, endSession, issueSession, readSession, updateSession } from "../../src/domain/sessionLifecycle.ts"
import type { Email } from "../../src/domain/User.ts"
import { Users } from "../../src/ports/Users.ts"
import { emailProvider, run, start } from "../support/memoryHarness.ts"

const database: Partial<AuthOptions> = { session: { strategy: "database" } }

const day = 24 * 60 * 60 * 1000
const maxAge = 30 * day
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

const makeUser = (name: string) =>
  Users.use((store) =>
    store.createUser({ name, email: `${name.toLowerCase()}@example.com` as Email, emailVerified: null, image: `https://img.test/${name}.png` })
  )
/** Creates a user and a session for them, returning the cookie's credential. */
const signedIn = Effect.fnUntraced(function*(name: string) {
  const user = yield* makeUser(name)
  const issued = yield* issueSession(user, { account: null, profile: null, isNewUser: false, via: emailProvider })
  return { user, issued, credential: credentialOf(issued) }
})
const active = (read: SessionRead) => {
  if (read._tag !== "Active") return assert.fail("expected an Active session")
  return read
}
const jwtClaims = (issued: IssuedSession | null): JwtClaims => {
  if (issued?._tag !== "Jwt") return assert.fail("expected JWT claims")
  return issued.claims
}
const noSession: SessionRead = { _tag: "NoSession", clear: true }

describe("database sessions", () => {
  it.effect("an issued session reads as Active with the default view", () =>
    run(Effect.gen(function*() {
      const { user, credential } = yield* signedIn("Ada")
      const read = active(yield* readSession(credential))
      assert.strictEqual(read.session.userId, user.id)
      assert.isNull(read.renewed)
      assert.deepStrictEqual(read.view, {
        user: { name: "Ada", email: "ada@example.com", image: "https://img.test/Ada.png" },
        expires: new Date(start + maxAge).toISOString()
      })
    }), database))

  it.effect("renews only after updateAge, moving the expiry later and never earlier", () =>
    run(Effect.gen(function*() {
      const { issued, credential } = yield* signedIn("Ada")
      if (issued._tag !== "Database") return assert.fail("expected a database session")
      const token = Redacted.value(issued.token)
      const expiries = [issued.expires.getTime()]
      yield* TestClock.adjust(day - 1000)
      const before = active(yield* readSession(credential))
      assert.isNull(before.renewed)
      expiries.push(before.session.expires.getTime())
      yield* TestClock.adjust(1000)
      const renewed = active(yield* readSession(credential))
      if (renewed.renewed?._tag !== "Database") return assert.fail("expected a renewed database session")
      assert.strictEqual(Redacted.value(renewed.renewed.token), token, "the cookie keeps its token")
      assert.strictEqual(renewed.renewed.expires.getTime(), start + day + maxAge)
      expiries.push(renewed.session.expires.getTime())
      const stored = yield* Users.use((store) => store.getSessionAndUser(sha256(token)))
      assert.strictEqual(Option.getOrThrow(stored).session.expires.getTime(), start + day + maxAge)
      yield* TestClock.adjust(1000)
      const again = active(yield* readSession(credential))
      assert.isNull(again.renewed)
      expiries.push(again.session.expires.getTime())
      assert.deepStrictEqual(expiries, [start + maxAge, start + maxAge, start + day + maxAge, start + day + maxAge])
    }), database))

  it.effect("an expired session is NoSession with clear, and its row is deleted", () =>
    run(Effect.gen(function*() {
      const { issued, credential } = yield* signedIn("Ada")
      if (issued._tag !== "Database") return assert.fail("expected a database session")
      yield* TestClock.adjust(maxAge)
      assert.deepStrictEqual(yield* readSession(credential), noSession)
      const row = yield* Users.use((store) => store.getSessionAndUser(sha256(Redacted.value(issued.token))))
      assert.isTrue(Option.isNone(row))
    }), database))

  it.effect("endSession ends it: later reads are NoSession", () =>
    run(Effect.gen(function*() {
      const { credential } = yield* signedIn("Ada")
      yield* endSession(credential)
      assert.deepStrictEqual(yield* readSession(credential), noSession)
    }), database))

  it.effect("endAllSessions removes all of a user's sessions and nobody else's", () =>
    run(Effect.gen(function*() {
      const ada = yield* signedIn("Ada")
      const adaElsewhere = credentialOf(yield* issueSession(ada.user, { account: null, profile: null, isNewUser: false, via: emailProvider }))
      const bob = yield* signedIn("Bob")
      yield* endAllSessions(ada.user.id)
      assert.deepStrictEqual(yield* readSession(ada.credential), noSession)
      assert.deepStrictEqual(yield* readSession(adaElsewhere), noSession)
      assert.strictEqual(active(yield* readSession(bob.credential)).session.userId, bob.user.id)
    }), database))
})

describe("JWT sessions", () => {
  it.effect("issued claims read as Active with the default view", () =>
    run(Effect.gen(function*() {
      const { user, issued, credential } = yield* signedIn("Ada")
      const read = active(yield* readSession(credential))
      assert.strictEqual(read.session.userId, user.id)
      assert.isNull(read.renewed)
      assert.deepStrictEqual(read.view, {
        user: { name: "Ada", email: "ada@example.com", image: "https://img.test/Ada.png" },
        expires: new Date(start + maxAge).toISOString()
      })
      assert.strictEqual(jwtClaims(issued).exp * 1000, start + maxAge)
    })))

  it.effect("expired claims are NoSession", () =>
    run(Effect.gen(function*() {
      const { credential } = yield* signedIn("Ada")
      yield* TestClock.adjust(maxAge)
      assert.deepStrictEqual(yield* readSession(credential), noSession)
    })))

  it.effect("endSession revokes the jti: the same claims, and a renewed copy, stop working", () =>
    run(Effect.gen(function*() {
      const { credential } = yield* signedIn("Ada")
      yield* TestClock.adjust(day)
      const copy = jwtClaims(active(yield* readSession(credential)).renewed)
      yield* endSession(credential)
      assert.deepStrictEqual(yield* readSession(credential), noSession)
      assert.deepStrictEqual(yield* readSession({ _tag: "Jwt", claims: copy }), noSession)
    })))

  it.effect("a renewal after updateAge keeps the jti and moves exp later, never earlier", () =>
    run(Effect.gen(function*() {
      const { user, issued, credential } = yield* signedIn("Ada")
      const claims = jwtClaims(issued)
      yield* TestClock.adjust(day - 1000)
      assert.isNull(active(yield* readSession(credential)).renewed)
      yield* TestClock.adjust(1000)
      const renewed = jwtClaims(active(yield* readSession(credential)).renewed)
      assert.strictEqual(renewed.jti, claims.jti)
      assert.strictEqual(renewed.sub, user.id)
      assert.strictEqual(renewed.iat, (start + day) / 1000)
      assert.strictEqual(renewed.exp, (start + day + maxAge) / 1000)
      // A token issued under a longer maxAge keeps its later exp when renewed.
      const longLived: JwtClaims = { sub: user.id, jti: "long-lived", iat: start / 1000, exp: (start + 90 * day) / 1000 }
      const kept = jwtClaims(active(yield* readSession({ _tag: "Jwt", claims: longLived })).renewed)
      assert.strictEqual(kept.jti, "long-lived")
      assert.strictEqual(kept.exp, longLived.exp)
    })))

  it.effect("updateSession runs the jwt callback with trigger update and the data, and re-issues", () => {
    const calls: Array<{ readonly trigger: string | undefined; readonly session: unknown }> = []
    return run(Effect.gen(function*() {
      const { issued, credential } = yield* signedIn("Ada")
      const claims = jwtClaims(issued)
      yield* TestClock.adjust("1 minute")
      assert.isNull(active(yield* readSession(credential)).renewed, "an unchanged token is not re-issued")
      const updated = active(yield* updateSession(credential, { theme: "dark" }))
      const reissued = jwtClaims(updated.renewed)
      assert.strictEqual(reissued["theme"], "dark")
      assert.strictEqual(reissued.jti, claims.jti)
      assert.strictEqual(reissued.iat, start / 1000 + 60)
      assert.isAtLeast(reissued.exp, claims.exp)
      assert.deepStrictEqual(calls, [
        { trigger: "signIn", session: undefined },
        { trigger: undefined, session: undefined },
        { trigger: "update", session: { theme: "dark" } }
      ])
    }), {
      callbacks: {
        jwt: ({ token, trigger, session }) => {
          calls.push({ trigger, session })
          return trigger === "update" ? { ...token, theme: (session as { readonly theme: string }).theme } : token
        }
      }
    })
  })

  it.effect("endAllSessions refuses older tokens and accepts one issued afterwards", () =>
    run(Effect.gen(function*() {
      const ada = yield* signedIn("Ada")
      const bob = yield* signedIn("Bob")
      yield* TestClock.adjust("1 hour")
      const adaLater = credentialOf(yield* issueSession(ada.user, { account: null, profile: null, isNewUser: false, via: emailProvider }))
      yield* endAllSessions(ada.user.id)
      assert.deepStrictEqual(yield* readSession(ada.credential), noSession)
      assert.deepStrictEqual(yield* readSession(adaLater), noSession)
      assert.strictEqual(active(yield* readSession(bob.credential)).session.userId, bob.user.id)
      yield* TestClock.adjust("2 seconds")
      const fresh = credentialOf(yield* issueSession(ada.user, { account: null, profile: null, isNewUser: false, via: emailProvider }))
      assert.strictEqual(active(yield* readSession(fresh)).session.userId, ada.user.id)
    })))
  // "Change password, sign out everywhere, keep me signed in here" issues a token within the same second
  // as the revocation: iat keeps milliseconds so that token is told apart from the revoked ones.
  it.effect("a token issued just after endAllSessions, in the same second, is accepted", () =>
    run(Effect.gen(function*() {
      const { user } = yield* signedIn("Ada")
      yield* TestClock.adjust(400)
      yield* endAllSessions(user.id)
      yield* TestClock.adjust(100)
      const fresh = credentialOf(yield* issueSession(user, { account: null, profile: null, isNewUser: false, via: emailProvider }))
      assert.strictEqual(active(yield* readSession(fresh)).session.userId, user.id)
    })))
})

describe("the session callback", () => {
  it.effect.each(["jwt", "database"] as const)("can add a field to the view (%s)", (strategy) =>
    run(Effect.gen(function*() {
      const { user, credential } = yield* signedIn("Ada")
      const read = active(yield* readSession(credential))
      assert.strictEqual(read.view["userId"], user.id)
      assert.strictEqual(read.view.user.name, "Ada")
    }), {
      session: { strategy },
      callbacks: { session: ({ session, token, user }) => ({ ...session, userId: token?.sub ?? user?.id }) }
    }))
})
