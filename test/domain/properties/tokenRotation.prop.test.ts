import { Effect, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { expect, it } from "vitest"
import { ScriptedProvider } from "../../../src/adapters/memory/MemoryProviderClient.ts"
import { TokenSealing } from "../../../src/adapters/sealedTokens/SealedTokensUsers.ts"
import { accountKeyOf } from "../../../src/domain/Account.ts"
import { TokenRotation } from "../../../src/domain/tokenRotation.ts"
import { KeyStore } from "../../../src/ports/KeyStore.ts"
import { Users } from "../../../src/ports/Users.ts"
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
          const store = yield* Users
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

// Invariant: sealing the stored tokens again (after the tokens key rotates: as they are read, and by
// sealStoredTokens) races with refreshes without ever putting back what a refresh replaced. Callers get the
// stored token, the provider accepts it, and the stored refresh token (single-use at google) still refreshes.
it("sealing stored tokens again after a key rotation never undoes a concurrent refresh", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          waitSeconds: fc.integer({ min: 0, max: 2 * lifetime }),
          rotate: fc.boolean(),
          callers: fc.integer({ min: 1, max: 8 }),
          sweeps: fc.integer({ min: 0, max: 3 }),
          reads: fc.integer({ min: 0, max: 3 })
        }),
        { minLength: 1, maxLength: 4 }
      ),
      fc.integer(),
      (rounds, seed) =>
        runCase(Effect.gen(function*() {
          const idp = yield* ScriptedProvider
          const store = yield* Users
          const keys = yield* KeyStore
          const sealing = yield* TokenSealing
          const rotation = yield* TokenRotation
          const { account, user } = yield* oauthSignIn(google, profile("reseal", null, false))
          for (const round of rounds) {
            yield* TestClock.adjust(round.waitSeconds * 1000)
            if (round.rotate) yield* keys.rotate("tokens")
            const work: Array<Effect.Effect<string | null, unknown>> = [
              ...Array.from({ length: round.callers }, () => Effect.map(rotation.getAccessToken(user.id, google), Redacted.value)),
              ...Array.from({ length: round.sweeps }, () => Effect.as(sealing.sealStoredTokens({ pageSize: 1 }), null)),
              ...Array.from({ length: round.reads }, () => Effect.as(store.getAccount(accountKeyOf(account)), null))
            ]
            const answers = yield* Effect.all(work, { concurrency: "unbounded" })
            const tokens = new Set(answers.filter((answer) => answer !== null))
            expect(tokens.size).toBe(1)
            const [token] = [...tokens] as [string]
            const stored = Option.getOrThrow(yield* store.getUserAccount(user.id, google))
            expect(Redacted.value(stored.accessToken!)).toBe(token)
            expect(yield* idp.isAccessTokenValid(token)).toBe(true)
          }
          yield* TestClock.adjust(2 * lifetime * 1000)
          const last = Redacted.value(yield* rotation.getAccessToken(user.id, google))
          expect(yield* idp.isAccessTokenValid(last)).toBe(true)
        }), { accessTokenSkewSeconds: skew }, seed)
    ),
    { numRuns: 100 }
  )
})
