import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { ScriptedProvider } from "../../src/adapters/memory/MemoryProviderClient.ts"
import type { Account, ProviderId, TokenSet } from "../../src/domain/Account.ts"
import { claimRefresh, releaseRefresh } from "../../src/domain/refreshClaim.ts"
import { type NoLinkedAccount, TokenRotation } from "../../src/domain/tokenRotation.ts"
import type { Email, UserId } from "../../src/domain/User.ts"
import { Users } from "../../src/ports/Users.ts"
import { github, google, memoryHarness, oauthSignIn, profile, run, start } from "../support/memoryHarness.ts"


const getAccessToken = (userId: UserId, provider: ProviderId) =>
  TokenRotation.use((rotation) => rotation.getAccessToken(userId, provider)).pipe(Effect.map(Redacted.value))
const storedAccount = (userId: UserId, provider: ProviderId) =>
  Effect.map(Users.use((store) => store.getUserAccount(userId, provider)), Option.getOrThrow)
const isValid = (token: string) => ScriptedProvider.use((idp) => idp.isAccessTokenValid(token))
const refreshes = (provider: ProviderId) => Effect.map(ScriptedProvider.use((idp) => idp.stats(provider)), (s) => s.refreshes)
const secret = (value: Redacted.Redacted<string> | null) => (value === null ? null : Redacted.value(value))
const tokenSetOf = (account: Account): TokenSet => ({
  accessToken: account.accessToken,
  refreshToken: account.refreshToken,
  idToken: account.idToken,
  expiresAt: account.expiresAt,
  tokenType: account.tokenType,
  scope: account.scope,
  sessionState: account.sessionState
})

/** GitHub access tokens of the harness live an hour; the default skew refreshes them a minute early. */
const signInAda = oauthSignIn(github, profile("gh-ada", "ada@example.com", true))

describe("token rotation", () => {
  it.effect("a fresh token is returned as stored, without a refresh", () =>
    run(Effect.gen(function*() {
      const { user, account } = yield* signInAda
      assert.strictEqual(yield* getAccessToken(user.id, github), secret(account.accessToken))
      yield* TestClock.adjust(3600_000 - 61_000)
      assert.strictEqual(yield* getAccessToken(user.id, github), secret(account.accessToken))
      assert.strictEqual(yield* refreshes(github), 0)
    })))

  it.effect("an expired token is refreshed once; the new tokens, rotated refresh token included, are stored", () =>
    run(Effect.gen(function*() {
      const { user, account } = yield* signInAda
      yield* TestClock.adjust("1 hour")
      assert.isFalse(yield* isValid(secret(account.accessToken)!))
      const first = yield* getAccessToken(user.id, github)
      assert.notStrictEqual(first, secret(account.accessToken))
      assert.isTrue(yield* isValid(first))
      assert.strictEqual(yield* refreshes(github), 1)
      const stored = yield* storedAccount(user.id, github)
      assert.strictEqual(secret(stored.accessToken), first)
      assert.notStrictEqual(secret(stored.refreshToken), secret(account.refreshToken))
      assert.strictEqual(stored.expiresAt?.getTime(), start + 2 * 3600_000)
      assert.isFalse(stored.needsReauth)
      // Same token while it is fresh; after the next expiry the rotated refresh token must work.
      assert.strictEqual(yield* getAccessToken(user.id, github), first)
      yield* TestClock.adjust("1 hour")
      const second = yield* getAccessToken(user.id, github)
      assert.notStrictEqual(second, first)
      assert.isTrue(yield* isValid(second))
      assert.strictEqual(yield* refreshes(github), 2)
    })))

  it.effect("a revoked grant is ReauthRequired, marks the account, and later calls do not ask the provider", () =>
    run(Effect.gen(function*() {
      const { user } = yield* signInAda
      yield* ScriptedProvider.use((idp) => idp.revokeAllGrants(github))
      yield* TestClock.adjust("1 hour")
      const error = yield* Effect.flip(getAccessToken(user.id, github))
      assert.strictEqual(error._tag, "ReauthRequired")
      assert.isTrue((yield* storedAccount(user.id, github)).needsReauth)
      // With the provider down, an attempt to refresh would be TokenRefreshFailed.
      yield* ScriptedProvider.use((idp) => idp.setOutage(github, true))
      assert.strictEqual((yield* Effect.flip(getAccessToken(user.id, github)))._tag, "ReauthRequired")
      yield* ScriptedProvider.use((idp) => idp.setOutage(github, false))
      // A new sign-in repairs the account.
      yield* signInAda
      assert.isFalse((yield* storedAccount(user.id, github)).needsReauth)
      assert.isTrue(yield* isValid(yield* getAccessToken(user.id, github)))
    })))

  it.effect("a provider outage during the refresh is TokenRefreshFailed and releases the claim", () =>
    run(Effect.gen(function*() {
      const { user, account } = yield* signInAda
      yield* TestClock.adjust("1 hour")
      yield* ScriptedProvider.use((idp) => idp.setOutage(github, true))
      const error = yield* Effect.flip(getAccessToken(user.id, github))
      assert.strictEqual(error._tag, "TokenRefreshFailed")
      const stored = yield* storedAccount(user.id, github)
      assert.isFalse(stored.needsReauth)
      assert.strictEqual(secret(stored.refreshToken), secret(account.refreshToken))
      // Nobody holds the claim any more: a probe can take it (and gives it back).
      const key = { provider: github, providerAccountId: "gh-ada" }
      assert.isTrue(yield* claimRefresh(key, "probe"))
      assert.isTrue(yield* releaseRefresh(key, "probe"))
      yield* ScriptedProvider.use((idp) => idp.setOutage(github, false))
      yield* TestClock.adjust("1 second")
      assert.isTrue(yield* isValid(yield* getAccessToken(user.id, github)))
      assert.strictEqual(yield* refreshes(github), 1)
    })))

  // A retry right after a failed refresh must start a new one, not find the finished flight's failure.
  it.effect("a call right after a failed refresh asks the provider again (no stale failure)", () =>
    run(Effect.gen(function*() {
      const { user } = yield* signInAda
      yield* TestClock.adjust("1 hour")
      yield* ScriptedProvider.use((idp) => idp.setOutage(github, true))
      assert.strictEqual((yield* Effect.flip(getAccessToken(user.id, github)))._tag, "TokenRefreshFailed")
      yield* ScriptedProvider.use((idp) => idp.setOutage(github, false))
      assert.isTrue(yield* isValid(yield* getAccessToken(user.id, github)))
    })))

  it.effect("a user without an account at that provider is NoLinkedAccount", () =>
    run(Effect.gen(function*() {
      const { user } = yield* signInAda
      const other = yield* Users.use((store) =>
        store.createUser({ name: null, email: "bob@example.com" as Email, emailVerified: null, image: null })
      )
      const noGoogle = yield* Effect.flip(getAccessToken(user.id, google))
      assert.strictEqual(noGoogle._tag, "NoLinkedAccount")
      assert.strictEqual((noGoogle as NoLinkedAccount).provider, "google")
      assert.strictEqual((yield* Effect.flip(getAccessToken(other.id, github)))._tag, "NoLinkedAccount")
    })))

  it.effect("concurrent callers in one process share one refresh: they wait on it, not on a polling clock", () =>
    run(Effect.gen(function*() {
      const { user } = yield* signInAda
      yield* TestClock.adjust("1 hour")
      // The refresh takes real time, so the callers really overlap; the TestClock stands still meanwhile,
      // so a caller that polled the store instead of sharing the refresh in flight would never finish.
      yield* ScriptedProvider.use((idp) => idp.setRefreshDelay(github, 20))
      const callers = Effect.all(Array.from({ length: 5 }, () => getAccessToken(user.id, github)), {
        concurrency: "unbounded"
      })
      const stuck = TestClock.withLive(Effect.sleep("3 seconds")).pipe(
        Effect.andThen(Effect.sync(() => assert.fail("a concurrent caller did not share the refresh in flight")))
      )
      const tokens = yield* Effect.raceFirst(callers, stuck)
      assert.strictEqual(new Set(tokens).size, 1)
      assert.strictEqual(yield* refreshes(github), 1)
    })))

  it.live("two processes over one store refresh an expired token exactly once", () =>
    Effect.gen(function*() {
      // Process one is a whole harness; process two is another TokenRotation over the same store and provider.
      const one = yield* Layer.build(memoryHarness())
      const two = yield* Layer.build(Layer.fresh(TokenRotation.layer).pipe(Layer.provide(Layer.succeedContext(one))))
      const [rotationOne, rotationTwo] = [Context.get(one, TokenRotation), Context.get(two, TokenRotation)]
      assert.notStrictEqual(rotationOne, rotationTwo)
      const { user, account } = yield* Effect.provideContext(signInAda, one)
      const store = Context.get(one, Users)
      const idp = Context.get(one, ScriptedProvider)
      // Real time here: make the stored access token expired instead of waiting an hour.
      yield* store.updateAccountTokens(account, { ...tokenSetOf(account), expiresAt: new Date(Date.now() - 1000) })
      yield* idp.setRefreshDelay(github, 100)
      const [a, b] = yield* Effect.all([
        rotationOne.getAccessToken(user.id, github),
        rotationTwo.getAccessToken(user.id, github)
      ], { concurrency: 2 })
      assert.strictEqual(Redacted.value(a), Redacted.value(b))
      assert.strictEqual((yield* idp.stats(github)).refreshes, 1)
      assert.isTrue(yield* idp.isAccessTokenValid(Redacted.value(a)))
      const stored = Option.getOrThrow(yield* store.getUserAccount(user.id, github))
      assert.strictEqual(secret(stored.accessToken), Redacted.value(a))
      assert.isFalse(stored.needsReauth)
    }))
})
