import { Effect, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { expect, it } from "vitest"
import { ScriptedProvider } from "../../../src/adapters/memory/MemoryProviderClient.ts"
import { TokenRotation } from "../../../src/domain/tokenRotation.ts"
import { UserStore } from "../../../src/ports/UserStore.ts"
import { google, oauthSignIn, profile, runCase } from "../../support/memoryHarness.ts"

// google's scripted access tokens live 600 s and its refresh tokens are single-use (rotated), so
// refreshing twice with one refresh token would fail with invalid_grant.
const lifetime = 600
const skew = 60

// Invariant: however many callers ask at once, an expired token is refreshed once; everyone gets the
// same token, it is the one stored, and the provider accepts it — never a superseded one.
it("concurrent getAccessToken calls refresh once and never return a superseded token", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({ waitSeconds: fc.integer({ min: 0, max: 2 * lifetime }), callers: fc.integer({ min: 1, max: 40 }) }),
        { minLength: 1, maxLength: 5 }
      ),
      fc.integer(),
      (rounds, seed) =>
        runCase(Effect.gen(function*() {
          const idp = yield* ScriptedProvider
          const store = yield* UserStore
          const rotation = yield* TokenRotation
          const { user, account } = yield* oauthSignIn(google, profile("rot", null, false))
          let expiresAt = account.expiresAt!.getTime()
          for (const round of rounds) {
            yield* TestClock.adjust(round.waitSeconds * 1000)
            const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
            const before = (yield* idp.stats(google)).refreshes
            const tokens = yield* Effect.forEach(
              Array.from({ length: round.callers }),
              () => rotation.getAccessToken(user.id, google),
              { concurrency: "unbounded" }
            )
            const refreshes = (yield* idp.stats(google)).refreshes - before
            const due = expiresAt - skew * 1000 <= now
            expect(refreshes).toBe(due ? 1 : 0)
            const values = new Set(tokens.map(Redacted.value))
            expect(values.size).toBe(1)
            const [token] = [...values] as [string]
            const stored = Option.getOrThrow(yield* store.getUserAccount(user.id, google))
            expect(Redacted.value(stored.accessToken!)).toBe(token)
            expect(yield* idp.isAccessTokenValid(token)).toBe(true)
            expiresAt = stored.expiresAt!.getTime()
          }
        }), { accessTokenSkewSeconds: skew }, seed)
    ),
    { numRuns: 100 }
  )
})
