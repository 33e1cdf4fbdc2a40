import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { ScriptedProvider } from "../../src/adapters/memory/MemoryProviderClient.ts"
import type { ProviderId } from "../../src/domain/Account.ts"
import type { AuthOptions } from "../../src/domain/AuthConfig.ts"
import { unlinkProvider } from "../../src/domain/unlinkProvider.ts"
import type { UserId } from "../../src/domain/User.ts"
import { Users } from "../../src/ports/Users.ts"
import { TestClock } from "effect/testing"
import { credentialOf } from "../../src/domain/Session.ts"
import { readSession } from "../../src/domain/sessionLifecycle.ts"
import { github, google, oauthSignIn, profile, run, testProviders } from "../support/memoryHarness.ts"


const providersOf = (userId: UserId) =>
  Effect.map(Users.use((store) => store.listAccounts(userId)), (accounts) => accounts.map((a) => a.provider).sort())
const stats = (provider: ProviderId) => ScriptedProvider.use((idp) => idp.stats(provider))
const withoutEmailSignIn: Partial<AuthOptions> = { providers: testProviders.filter((p) => p.type !== "email") }

/** GitHub does not vouch for addresses, so this user's address stays unverified. */
const adaWithTwoAccounts = Effect.gen(function*() {
  const ada = (yield* oauthSignIn(github, profile("gh-ada", "ada@example.com", true))).user
  const linked = yield* oauthSignIn(google, profile("g-ada", "ada@work.example", true), Option.some(ada))
  return { ada, google: linked.account }
})

describe("unlinking a provider", () => {
  it.effect("the second of two accounts is unlinked and the provider is asked to revoke its tokens", () =>
    run(Effect.gen(function*() {
      const { ada, google: googleAccount } = yield* adaWithTwoAccounts
      const removed = yield* unlinkProvider(ada.id, google)
      assert.strictEqual(removed.providerAccountId, "g-ada")
      assert.deepStrictEqual(yield* providersOf(ada.id), ["github"])
      assert.isTrue(Option.isNone(yield* Users.use((s) => s.getUserByAccount({ provider: google, providerAccountId: "g-ada" }))))
      assert.deepStrictEqual(yield* stats(google), { refreshes: 0, revocations: 1 })
      assert.deepStrictEqual(yield* stats(github), { refreshes: 0, revocations: 0 })
      const revoked = Redacted.value(googleAccount.accessToken!)
      assert.isFalse(yield* ScriptedProvider.use((idp) => idp.isAccessTokenValid(revoked)))
    })))

  it.effect("the last account of a user without a verified address is LastSignInMethod and stays", () =>
    run(Effect.gen(function*() {
      const { ada } = yield* adaWithTwoAccounts
      yield* unlinkProvider(ada.id, google)
      const error = yield* Effect.flip(unlinkProvider(ada.id, github))
      assert.strictEqual(error._tag, "LastSignInMethod")
      assert.deepStrictEqual(yield* providersOf(ada.id), ["github"])
      assert.deepStrictEqual(yield* stats(github), { refreshes: 0, revocations: 0 })
    })))

  it.effect("the last account goes when the address is verified and e-mail sign-in is configured", () =>
    run(Effect.gen(function*() {
      // Google is trusted and vouches for the address, so the new user's address is verified.
      const ada = (yield* oauthSignIn(google, profile("g-ada", "ada@example.com", true))).user
      assert.isNotNull(ada.emailVerified)
      yield* unlinkProvider(ada.id, google)
      assert.deepStrictEqual(yield* providersOf(ada.id), [])
      assert.isTrue(Option.isSome(yield* Users.use((s) => s.getUser(ada.id))))
    })))

  it.effect("a verified address does not count without an e-mail provider", () =>
    run(Effect.gen(function*() {
      const ada = (yield* oauthSignIn(google, profile("g-ada", "ada@example.com", true))).user
      assert.strictEqual((yield* Effect.flip(unlinkProvider(ada.id, google)))._tag, "LastSignInMethod")
      assert.deepStrictEqual(yield* providersOf(ada.id), ["google"])
    }), withoutEmailSignIn))

  it.effect("a provider the user has no account at is AccountNotFound", () =>
    run(Effect.gen(function*() {
      const { ada } = yield* adaWithTwoAccounts
      const unknown = yield* Effect.flip(unlinkProvider(ada.id, "gitlab" as ProviderId))
      assert.strictEqual(unknown._tag, "AccountNotFound")
      const bob = (yield* oauthSignIn(github, profile("gh-bob", "bob@example.com", true))).user
      assert.strictEqual((yield* Effect.flip(unlinkProvider(bob.id, google)))._tag, "AccountNotFound")
      assert.deepStrictEqual(yield* providersOf(ada.id), ["github", "google"])
    })))

  for (const strategy of ["jwt", "database"] as const) {
    it.effect(`the sessions signed in with the unlinked account end, the others stay (${strategy})`, () =>
      run(Effect.gen(function*() {
        const { ada } = yield* adaWithTwoAccounts
        // A session signed in with each account; another TestClock tick, so revocation by time can tell.
        const viaGoogle = yield* oauthSignIn(google, profile("g-ada", "ada@work.example", true))
        const viaGithub = yield* oauthSignIn(github, profile("gh-ada", "ada@example.com", true))
        yield* TestClock.adjust("1 second")
        yield* unlinkProvider(ada.id, google)
        const read = (signedIn: typeof viaGoogle) => Effect.map(readSession(credentialOf(signedIn.session!)), (r) => r._tag)
        assert.strictEqual(yield* read(viaGoogle), "NoSession")
        assert.strictEqual(yield* read(viaGithub), "Active")
        // Google linked again: its new sessions are not caught by the earlier unlink.
        yield* oauthSignIn(google, profile("g-ada", "ada@work.example", true), Option.some(ada))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* read(yield* oauthSignIn(google, profile("g-ada", "ada@work.example", true))), "Active")
      }), { session: { strategy } }))
  }
})
