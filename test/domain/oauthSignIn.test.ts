import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { createHash } from "node:crypto"
import { ScriptedProvider } from "../../src/adapters/memory/MemoryProviderClient.ts"
import type { ProviderId } from "../../src/domain/Account.ts"
import { completeOAuthSignIn, startOAuthSignIn } from "../../src/domain/oauthSignIn.ts"
import type { Profile } from "../../src/domain/Profile.ts"
import type { IssuedSession } from "../../src/domain/Session.ts"
import type { User } from "../../src/domain/User.ts"
import type { AuthorizationChecks, ProviderCheckFailed } from "../../src/ports/ProviderClient.ts"
import { Users } from "../../src/ports/Users.ts"
import { expectTag } from "../support/expectTag.ts"
import { followLink, github, google, oauthSignIn, profile, requestLink, run, start } from "../support/memoryHarness.ts"


const expectJwt = (session: IssuedSession | null) => {
  if (session?._tag !== "Jwt") return assert.fail(`expected a JWT session, got ${session?._tag ?? "null"}`)
  return session
}
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")
const maxAge = 30 * 24 * 60 * 60
const none = Option.none<User>()

const redirectUri = (provider: ProviderId) => `http://localhost:3000/auth/callback/${provider}`
const begin = (provider: ProviderId) => startOAuthSignIn(provider, { redirectUri: redirectUri(provider) })
const approve = (url: string, who: Profile) => ScriptedProvider.use((idp) => idp.approve(url, who))
const complete = (
  provider: ProviderId,
  flow: { readonly params: Readonly<Record<string, string>>; readonly checks: AuthorizationChecks },
  linkTo: Option.Option<User> = none
) => completeOAuthSignIn({ provider, redirectUri: redirectUri(provider), params: flow.params, checks: flow.checks, linkTo })
/** A flow the provider approved, not yet completed. */
const approved = Effect.fnUntraced(function*(provider: ProviderId, who: Profile) {
  const started = yield* begin(provider)
  return { params: yield* approve(started.url, who), checks: started.checks }
})
const ownerOf = (provider: ProviderId, providerAccountId: string) =>
  Users.use((store) => store.getUserByAccount({ provider, providerAccountId }))

const ada = profile("gh-ada", "ada@example.com", true)

describe("OAuth sign-in: new and returning users", () => {
  it.effect("a new account creates a user, stores its tokens and issues a JWT session", () =>
    run(Effect.gen(function*() {
      const signedIn = yield* oauthSignIn(github, profile("gh-ada", "  Ada@Example.COM ", true))
      assert.isTrue(signedIn.isNewUser)
      assert.strictEqual(signedIn.decision, "CreateAndLink")
      const store = yield* Users
      const user = Option.getOrThrow(yield* ownerOf(github, "gh-ada"))
      assert.strictEqual(user.id, signedIn.user.id)
      assert.strictEqual(user.email, "ada@example.com")
      assert.isNull(user.emailVerified, "github is not trusted to vouch for addresses")
      const account = Option.getOrThrow(yield* store.getAccount({ provider: github, providerAccountId: "gh-ada" }))
      assert.strictEqual(account.userId, user.id)
      assert.strictEqual(Redacted.value(account.accessToken!), Redacted.value(signedIn.account.accessToken!))
      assert.isTrue(yield* ScriptedProvider.use((idp) => idp.isAccessTokenValid(Redacted.value(account.accessToken!))))
      assert.isTrue(Redacted.value(account.refreshToken!).startsWith("rt_"))
      assert.strictEqual(account.expiresAt?.getTime(), start + 3600_000)
      const { claims, expires } = expectJwt(signedIn.session)
      assert.strictEqual(claims.sub, user.id)
      assert.isTrue(claims.jti.length >= 16)
      assert.strictEqual(claims.iat, start / 1000)
      assert.strictEqual(claims.exp, start / 1000 + maxAge)
      assert.strictEqual(expires.getTime(), claims.exp * 1000)
    })))

  it.effect("database strategy: the browser gets a token, the store only its SHA-256 hash", () =>
    run(Effect.gen(function*() {
      const signedIn = yield* oauthSignIn(github, ada)
      const session = signedIn.session
      if (session?._tag !== "Database") return assert.fail("expected a database session")
      const store = yield* Users
      const raw = Redacted.value(session.token)
      assert.isTrue(Option.isNone(yield* store.getSessionAndUser(raw)))
      const held = Option.getOrThrow(yield* store.getSessionAndUser(sha256(raw)))
      assert.strictEqual(held.session.userId, signedIn.user.id)
      assert.strictEqual(held.session.expires.getTime(), start + maxAge * 1000)
    }), { session: { strategy: "database" } }))

  it.effect("the same account again signs in the same user and replaces the stored tokens", () =>
    run(Effect.gen(function*() {
      const first = yield* oauthSignIn(github, ada)
      const second = yield* oauthSignIn(github, ada)
      assert.strictEqual(second.user.id, first.user.id)
      assert.isFalse(second.isNewUser)
      assert.strictEqual(second.decision, "SignInExisting")
      assert.isNotNull(second.session)
      const stored = Option.getOrThrow(yield* Users.use((s) => s.getAccount({ provider: github, providerAccountId: "gh-ada" })))
      assert.strictEqual(Redacted.value(stored.accessToken!), Redacted.value(second.account.accessToken!))
      assert.notStrictEqual(Redacted.value(stored.accessToken!), Redacted.value(first.account.accessToken!))
      assert.strictEqual(Redacted.value(stored.refreshToken!), Redacted.value(second.account.refreshToken!))
      assert.strictEqual((yield* Users.use((s) => s.listAccounts(first.user.id))).length, 1)
    })))
})

describe("OAuth sign-in: account linking", () => {
  it.effect("an untrusted provider with an existing user's address is refused and links nothing", () =>
    run(Effect.gen(function*() {
      const owner = (yield* oauthSignIn(google, profile("g-ada", "ada@example.com", true))).user
      const error = yield* Effect.flip(oauthSignIn(github, profile("gh-mallory", "ada@example.com", true)))
      assert.strictEqual(expectTag(error, "OAuthAccountNotLinked").reason, "EmailOfAnotherUser")
      assert.isTrue(Option.isNone(yield* ownerOf(github, "gh-mallory")))
      assert.strictEqual((yield* Users.use((s) => s.listAccounts(owner.id))).length, 1)
    })))

  it.effect("a trusted provider with a verified address links to its owner, who had proved it too", () =>
    run(Effect.gen(function*() {
      const owner = (yield* followLink(yield* requestLink("ada@example.com"))).user
      assert.strictEqual(owner.emailVerified?.getTime(), start)
      const linked = yield* oauthSignIn(google, profile("g-ada", "ADA@example.com", true))
      assert.strictEqual(linked.decision, "LinkToEmailOwner")
      assert.strictEqual(linked.user.id, owner.id)
      assert.isFalse(linked.isNewUser)
      assert.isNotNull(linked.session)
      assert.strictEqual(Option.getOrThrow(yield* ownerOf(google, "g-ada")).id, owner.id)
    })))

  // Pre-account hijacking: whoever claimed the address at a lax provider first must not receive its owner.
  it.effect("a trusted provider proving an address another user only claimed: the prover gets a user of their own", () =>
    run(Effect.gen(function*() {
      const claimant = (yield* oauthSignIn(github, profile("gh-mallory", "ada@example.com", false))).user
      assert.isNull(claimant.emailVerified)
      const proven = yield* oauthSignIn(google, profile("g-ada", "ADA@example.com", true))
      assert.strictEqual(proven.decision, "ReclaimAddress")
      assert.notStrictEqual(proven.user.id, claimant.id)
      assert.isTrue(proven.isNewUser)
      assert.strictEqual(proven.user.email, "ada@example.com")
      assert.strictEqual(proven.user.emailVerified?.getTime(), start)
      assert.strictEqual(Option.getOrThrow(yield* ownerOf(google, "g-ada")).id, proven.user.id)
      // The claimant keeps their GitHub way in, without the address.
      const after = Option.getOrThrow(yield* ownerOf(github, "gh-mallory"))
      assert.strictEqual(after.id, claimant.id)
      assert.isNull(after.email)
    })))

  // Unicode folding is not how mail systems find a mailbox: a trusted provider that verified a look-alike
  // address proved nothing about the ASCII one.
  it.effect("a trusted provider verifying \\u212Aate@ or ⓐlice@ does not sign into kate@ or alice@", () =>
    run(Effect.gen(function*() {
      const kate = (yield* followLink(yield* requestLink("kate@example.com"))).user
      const alice = (yield* followLink(yield* requestLink("alice@example.com"))).user
      const kelvin = yield* oauthSignIn(google, profile("g-kelvin", "\u212Aate@example.com", true))
      const circled = yield* oauthSignIn(google, profile("g-circled", "\u24D0lice@example.com", true))
      for (const [signedIn, victim] of [[kelvin, kate], [circled, alice]] as const) {
        assert.strictEqual(signedIn.decision, "CreateAndLink")
        assert.isTrue(signedIn.isNewUser)
        assert.notStrictEqual(signedIn.user.id, victim.id)
        assert.strictEqual((yield* Users.use((s) => s.listAccounts(victim.id))).length, 0)
      }
      // KELVIN SIGN is refused as an address (NFC would make it K); the circled a is an address of its own.
      assert.isNull(kelvin.user.email)
      assert.strictEqual(circled.user.email, "\u24D0lice@example.com")
    })))

  it.effect("a trusted provider with an unverified address is refused", () =>
    run(Effect.gen(function*() {
      yield* oauthSignIn(github, ada)
      const error = yield* Effect.flip(oauthSignIn(google, profile("g-ada", "ada@example.com", false)))
      assert.strictEqual(expectTag(error, "OAuthAccountNotLinked").reason, "EmailOfAnotherUser")
      assert.isTrue(Option.isNone(yield* ownerOf(google, "g-ada")))
    })))

  it.effect("signed in, a new provider account links to the current user and keeps the browser's session", () =>
    run(Effect.gen(function*() {
      const current = (yield* oauthSignIn(github, ada)).user
      const linked = yield* oauthSignIn(google, profile("g-work", "ada@work.example", true), Option.some(current))
      assert.strictEqual(linked.decision, "LinkToCurrent")
      assert.strictEqual(linked.user.id, current.id)
      assert.isNull(linked.session)
      assert.strictEqual(Option.getOrThrow(yield* ownerOf(google, "g-work")).id, current.id)
      assert.strictEqual((yield* Users.use((s) => s.listAccounts(current.id))).length, 2)
    })))

  it.effect("signed in as bob, ada's account is refused and stays hers", () =>
    run(Effect.gen(function*() {
      const owner = (yield* oauthSignIn(github, ada)).user
      const bob = (yield* oauthSignIn(google, profile("g-bob", "bob@example.com", true))).user
      const error = yield* Effect.flip(oauthSignIn(github, ada, Option.some(bob)))
      assert.strictEqual(expectTag(error, "OAuthAccountNotLinked").reason, "AccountOfAnotherUser")
      assert.strictEqual(Option.getOrThrow(yield* ownerOf(github, "gh-ada")).id, owner.id)
      assert.strictEqual((yield* Users.use((s) => s.listAccounts(bob.id))).length, 1)
    })))
})

describe("OAuth sign-in: callback checks at the scripted provider", () => {
  const checkFailed = (error: { readonly _tag: string }) => {
    assert.strictEqual(error._tag, "ProviderCheckFailed")
    return (error as ProviderCheckFailed).check
  }

  it.effect("a callback whose state is not the one we sent fails the state check", () =>
    run(Effect.gen(function*() {
      const flow = yield* approved(github, ada)
      const error = yield* Effect.flip(complete(github, { ...flow, params: { ...flow.params, state: "forged" } }))
      assert.strictEqual(checkFailed(error), "state")
    })))

  it.effect("a wrong PKCE verifier fails the pkce check", () =>
    run(Effect.gen(function*() {
      const flow = yield* approved(github, ada)
      const error = yield* Effect.flip(complete(github, { ...flow, checks: { ...flow.checks, codeVerifier: "x".repeat(43) } }))
      assert.strictEqual(checkFailed(error), "pkce")
    })))

  it.effect("a replayed callback fails the code check and revokes what the code bought", () =>
    run(Effect.gen(function*() {
      const flow = yield* approved(github, ada)
      const first = yield* complete(github, flow)
      assert.strictEqual(checkFailed(yield* Effect.flip(complete(github, flow))), "code")
      const token = Redacted.value(first.account.accessToken!)
      assert.isFalse(yield* ScriptedProvider.use((idp) => idp.isAccessTokenValid(token)))
    })))

  it.effect("a code from another flow does not complete this one and starts no session", () =>
    run(Effect.gen(function*() {
      const flowA = yield* approved(github, ada)
      const flowB = yield* begin(github)
      assert.strictEqual(checkFailed(yield* Effect.flip(complete(github, { params: flowA.params, checks: flowB.checks }))), "state")
      const spliced = { params: { ...flowA.params, state: flowB.checks.state }, checks: flowB.checks }
      assert.strictEqual(checkFailed(yield* Effect.flip(complete(github, spliced))), "pkce")
      assert.isTrue(Option.isNone(yield* ownerOf(github, "gh-ada")))
    })))

  it.effect("an OIDC nonce that does not match fails the nonce check", () =>
    run(Effect.gen(function*() {
      const flow = yield* approved(google, profile("g-ada", "ada@example.com", true))
      assert.isNotNull(flow.checks.nonce)
      const error = yield* Effect.flip(complete(google, { ...flow, checks: { ...flow.checks, nonce: "forged" } }))
      assert.strictEqual(checkFailed(error), "nonce")
    })))

  it.effect("the person refusing consent is ProviderDenied with the provider's error", () =>
    run(Effect.gen(function*() {
      const started = yield* begin(github)
      const params = yield* ScriptedProvider.use((idp) => idp.deny(started.url))
      const error = yield* Effect.flip(complete(github, { params, checks: started.checks }))
      assert.strictEqual(expectTag(error, "ProviderDenied").error, "access_denied")
    })))

  it.effect("a provider outage is ProviderUnavailable and creates nobody", () =>
    run(Effect.gen(function*() {
      const flow = yield* approved(github, ada)
      yield* ScriptedProvider.use((idp) => idp.setOutage(github, true))
      assert.strictEqual((yield* Effect.flip(complete(github, flow)))._tag, "ProviderUnavailable")
      assert.strictEqual((yield* Effect.flip(begin(github)))._tag, "ProviderUnavailable")
      assert.isTrue(Option.isNone(yield* ownerOf(github, "gh-ada")))
    })))
})

describe("OAuth sign-in: callbacks and events", () => {
  it.effect("signIn callback: false is AccessDenied, a string redirects, a throw is AccessDenied; nobody is created", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(run(oauthSignIn(github, ada), { callbacks: { signIn: () => false } }))
      assert.strictEqual(expectTag(refused, "AccessDenied").reason, "SignInCallback")
      const redirected = yield* Effect.flip(run(oauthSignIn(github, ada), { callbacks: { signIn: () => "/onboarding" } }))
      assert.strictEqual(expectTag(redirected, "SignInRedirected").url, "/onboarding")
      const thrown = yield* Effect.flip(run(oauthSignIn(github, ada), {
        callbacks: { signIn: () => { throw new Error("boom") } }
      }))
      assert.strictEqual(expectTag(thrown, "AccessDenied").reason, "SignInCallback")
      const seen: Array<string | null> = []
      const nobody = yield* run(Effect.gen(function*() {
        yield* Effect.flip(oauthSignIn(github, ada))
        return yield* ownerOf(github, "gh-ada")
      }), { callbacks: { signIn: ({ user }) => (seen.push(user.id), false) } })
      assert.isTrue(Option.isNone(nobody))
      assert.deepStrictEqual(seen, [null])
    }))

  it.effect("the jwt callback can add a claim but not change sub, jti, iat or exp", () => {
    const triggers: Array<string | undefined> = []
    return run(Effect.gen(function*() {
      const signedIn = yield* oauthSignIn(github, ada)
      const { claims } = expectJwt(signedIn.session)
      assert.strictEqual(claims["role"], "admin")
      assert.strictEqual(claims.sub, signedIn.user.id)
      assert.notStrictEqual(claims.jti, "forged")
      assert.strictEqual(claims.iat, start / 1000)
      assert.strictEqual(claims.exp, start / 1000 + maxAge)
      assert.deepStrictEqual(triggers, ["signUp"])
    }), {
      callbacks: {
        jwt: ({ token, trigger }) => {
          triggers.push(trigger)
          return { ...token, role: "admin", sub: "someone-else", jti: "forged", iat: 0, exp: 4_102_444_800 }
        }
      }
    })
  })

  it.effect("events are told the right user, and a failing event hook does not break sign-in", () => {
    const log: Array<string> = []
    return run(Effect.gen(function*() {
      const created = yield* oauthSignIn(github, ada)
      const linked = yield* oauthSignIn(google, profile("g-ada", "ada@work.example", true), Option.some(created.user))
      const id = created.user.id
      assert.isNotNull(created.session)
      assert.strictEqual(linked.user.id, id)
      assert.deepStrictEqual(log, [
        `createUser ${id}`,
        `linkAccount ${id} github`,
        `signIn ${id} new=true`,
        `linkAccount ${id} google`,
        `signIn ${id} new=false`
      ])
    }), {
      events: {
        createUser: ({ user }) => {
          log.push(`createUser ${user.id}`)
          return Promise.reject(new Error("event store down"))
        },
        linkAccount: ({ user, account }) => {
          log.push(`linkAccount ${user.id} ${account.provider}`)
          return Effect.fail("nope")
        },
        signIn: ({ user, isNewUser }) => {
          log.push(`signIn ${user.id} new=${isNewUser}`)
          throw new Error("boom")
        }
      }
    })
  })
})
