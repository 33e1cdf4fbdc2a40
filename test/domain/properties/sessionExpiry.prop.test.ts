import { Clock, Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { expect, it } from "vitest"
import type { SessionStrategy } from "../../../src/domain/AuthConfig.ts"
import { credentialOf } from "../../../src/domain/Session.ts"
import { issueSession, readSession } from "../../../src/domain/sessionLifecycle.ts"
import { Users } from "../../../src/ports/Users.ts"
import { emailProvider, runCase } from "../../support/memoryHarness.ts"


const scenario = fc.record({
  strategy: fc.constantFrom<SessionStrategy>("jwt", "database"),
  maxAge: fc.integer({ min: 60, max: 90 * 24 * 3600 }),
  updateFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  // Waits between reads, as fractions of maxAge: mostly inside the lifetime, sometimes past it.
  waits: fc.array(fc.double({ min: 0, max: 1.3, noNaN: true }), { minLength: 1, maxLength: 12 })
})

/**
 * Follows one browser: it presents the cookie it was last given, at random times. The model is the
 * expiry the browser was last told. Two invariants are judged on every read.
 */
const followBrowser = (input: typeof scenario extends fc.Arbitrary<infer A> ? A : never, judge: {
  readonly onRead: (now: number, expiresBefore: number, read: Option.Option<number>) => void
}) =>
  runCase(
    Effect.gen(function*() {
      const store = yield* Users
      const user = yield* store.createUser({ name: "p", email: null, emailVerified: null, image: null })
      let issued = yield* issueSession(user, { account: null, profile: null, isNewUser: false, via: emailProvider })
      let expires = issued.expires.getTime()
      for (const wait of input.waits) {
        yield* TestClock.adjust(Math.floor(wait * input.maxAge * 1000))
        const now = yield* Clock.currentTimeMillis
        const read = yield* readSession(credentialOf(issued))
        judge.onRead(now, expires, read._tag === "Active" ? Option.some(read.session.expires.getTime()) : Option.none())
        if (read._tag === "Active") {
          if (read.renewed !== null) issued = read.renewed
          expires = read.session.expires.getTime()
        }
      }
    }),
    {
      session: {
        strategy: input.strategy,
        maxAge: input.maxAge,
        updateAge: Math.floor(input.updateFraction * input.maxAge)
      }
    }
  )

it("an expired session is never accepted", async () => {
  await fc.assert(
    fc.asyncProperty(scenario, (input) =>
      followBrowser(input, {
        onRead: (now, expiresBefore, read) => {
          // Accepted exactly while the browser's session has not expired.
          expect(Option.isSome(read)).toBe(now < expiresBefore)
        }
      })),
    { numRuns: 200 }
  )
})

it("renewal never shortens a session, and never extends it past maxAge from now", async () => {
  await fc.assert(
    fc.asyncProperty(scenario, (input) =>
      followBrowser(input, {
        onRead: (now, expiresBefore, read) => {
          if (Option.isNone(read)) return
          expect(read.value).toBeGreaterThanOrEqual(expiresBefore)
          expect(read.value).toBeLessThanOrEqual(Math.max(expiresBefore, now + input.maxAge * 1000))
        }
      })),
    { numRuns: 200 }
  )
})
