/**
 * The ProviderClient conformance suite: every adapter (the scripted provider in memory, openid-client against a
 * real oidc-provider) runs it unchanged, so each sentence of the contract on `ProviderClient`
 * (src/ports/ProviderClient.ts) has a case here.
 *
 * A client is only half of a flow, so each run provides a `ProviderPeer` next to the `ProviderClient`: the person
 * at the provider (who approves or refuses an authorization URL) and the provider's availability. Cases start their
 * own flows with fresh random accounts, share one client and depend on no order.
 */
import { assert, layer } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Redacted } from "effect"
import type { Layer } from "effect"
import { createHash, randomBytes } from "node:crypto"
import { ProviderId, type TokenSet } from "../../src/domain/Account.ts"
import type { Profile } from "../../src/domain/Profile.ts"
import { type AuthorizationChecks, ProviderClient } from "../../src/ports/ProviderClient.ts"

/** The other side of the client: the provider it is configured for, and the person signing in there. */
export class ProviderPeer extends Context.Service<ProviderPeer, {
  /** The one provider the layer's client is configured for. */
  readonly provider: ProviderId
  /** A redirect URI the provider accepts for this client. */
  readonly redirectUri: string
  /** The person `profile` describes signs in at the authorization URL and consents: the callback's parameters. */
  readonly approve: (authorizationUrl: string, profile: Profile) => Effect.Effect<Readonly<Record<string, string>>>
  /** The person refuses at the authorization URL: the callback's parameters, carrying `error=access_denied`. */
  readonly deny: (authorizationUrl: string) => Effect.Effect<Readonly<Record<string, string>>>
  /** Runs `effect` while the provider cannot be reached, and brings it back afterwards. */
  readonly whileDown: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}>()("test/conformance/ProviderPeer") {}

const random = () => randomBytes(32).toString("base64url")
const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url")
const value = (secret: Redacted.Redacted<string> | null) => (secret === null ? "" : Redacted.value(secret))

/** A fresh person at the provider, with every profile field set (`fields` overrides). */
const person = (fields: Partial<Profile> = {}): Profile => {
  const id = `p-${crypto.randomUUID()}`
  return { id, name: "Ada Lovelace", email: `${id}@example.com`, emailVerified: true, image: `https://img.example.com/${id}.png`, ...fields }
}

/** The error `effect` fails with; a success or a defect fails the case. */
const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    if (reason === undefined || !Cause.isFailReason(reason)) return assert.fail(`expected a failure, got ${String(exit)}`)
    return reason.error
  })

/** What no error may carry: tokens, codes, state, verifiers, addresses. */
const assertCarriesNothing = (error: unknown, secrets: ReadonlyArray<string>) => {
  const visible = `${String(error)} ${JSON.stringify(error)} ${(error as { message?: unknown }).message}`
  for (const secret of secrets) if (secret.length >= 6) assert.notInclude(visible, secret)
  assert.notInclude(visible, "@example.com")
}

/** The error's tag, with the check for `ProviderCheckFailed`. */
const checkOf = (error: { readonly _tag: string; readonly check?: string }) =>
  error._tag === "ProviderCheckFailed" ? `ProviderCheckFailed(${error.check})` : error._tag

/** A started flow: the request and what the provider sent back after the person approved. */
const approvedFlow = (profile: Profile = person()) =>
  Effect.gen(function*() {
    const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
    const request = yield* client.authorize(peer.provider, { redirectUri: peer.redirectUri })
    const params = yield* peer.approve(request.url, profile)
    return { request, params, profile }
  })

type Flow = { params: Record<string, string>; checks: { -readonly [K in keyof AuthorizationChecks]: AuthorizationChecks[K] }; redirectUri: string }

/** Approves a flow, lets `tamper` change what the callback gets, and returns how the callback failed. */
const refusedCallback = (tamper: (flow: Flow) => void) =>
  Effect.gen(function*() {
    const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
    const { request, params } = yield* approvedFlow()
    const flow: Flow = { params: { ...params }, checks: { ...request.checks }, redirectUri: peer.redirectUri }
    tamper(flow)
    const error = yield* failureOf(client.callback(peer.provider, flow))
    assertCarriesNothing(error, [params["code"] ?? "", request.checks.state, request.checks.codeVerifier, request.checks.nonce ?? ""])
    return checkOf(error)
  })

/** A whole sign-in: the tokens and profile the callback proved. */
const signedIn = (profile: Profile = person()) =>
  Effect.gen(function*() {
    const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
    const { request, params } = yield* approvedFlow(profile)
    return yield* client.callback(peer.provider, { redirectUri: peer.redirectUri, params, checks: request.checks })
  })

const refreshTokenOf = (tokens: TokenSet) => {
  assert.isNotNull(tokens.refreshToken, "the suite's providers issue refresh tokens")
  return tokens.refreshToken!
}

export interface SuiteOptions {
  /** What the peer's provider speaks: OpenID Connect (ID tokens, nonce) or plain OAuth 2. */
  readonly type: "oidc" | "oauth"
}

/** Registers the conformance cases for one adapter, sharing one client and its peer among them. */
export const suite = (
  name: string,
  clientLayer: Layer.Layer<ProviderClient | ProviderPeer, unknown>,
  { type }: SuiteOptions
): void =>
  layer(clientLayer, { excludeTestServices: true })(`ProviderClient conformance: ${name} (${type})`, (it) => {
    // `authorize` builds the authorization URL with a fresh `state`, the PKCE S256 challenge of a fresh code verifier
    // and (OIDC) a fresh `nonce`, each of 256 bits or more, and returns them as the checks to keep.
    it.effect("authorize: fresh state, PKCE S256 challenge and (OIDC) nonce in the URL, kept as the checks", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const [first, second] = yield* Effect.all([1, 2].map(() => client.authorize(peer.provider, { redirectUri: peer.redirectUri })))
        for (const { url, checks } of [first!, second!]) {
          const query = Object.fromEntries(new URL(url).searchParams)
          assert.deepInclude(query, {
            response_type: "code",
            redirect_uri: peer.redirectUri,
            state: checks.state,
            code_challenge: s256(checks.codeVerifier),
            code_challenge_method: "S256"
          })
          assert.isAtLeast(checks.state.length, 43)
          assert.isAtLeast(checks.codeVerifier.length, 43)
          if (type === "oidc") {
            assert.strictEqual(query["nonce"], checks.nonce ?? "a nonce")
            assert.isAtLeast(checks.nonce!.length, 43)
          } else {
            assert.deepStrictEqual([checks.nonce, query["nonce"]], [null, undefined])
          }
        }
        const { checks: a } = first!
        const { checks: b } = second!
        assert.isTrue(a.state !== b.state && a.codeVerifier !== b.codeVerifier && (a.nonce === null || a.nonce !== b.nonce))
      }))

    // The caller's `params` go into the URL but replace none of the flow's protection or its redirect URI.
    it.effect("authorize: the caller's params go into the URL and replace none of state, PKCE, nonce, redirect URI", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const forged = { state: "mine", nonce: "mine", code_challenge: "mine", code_challenge_method: "plain", redirect_uri: "https://evil.example/cb" }
        const { url, checks } = yield* client.authorize(peer.provider, {
          redirectUri: peer.redirectUri,
          params: { login_hint: "ada", ...forged }
        })
        const query = Object.fromEntries(new URL(url).searchParams)
        assert.deepInclude(query, {
          login_hint: "ada",
          state: checks.state,
          code_challenge: s256(checks.codeVerifier),
          code_challenge_method: "S256",
          redirect_uri: peer.redirectUri
        })
        if (checks.nonce !== null) assert.strictEqual(query["nonce"], checks.nonce)
      }))

    // `callback` with the provider's answer and the kept checks exchanges the code and answers the tokens and the
    // profile of the person who signed in, mapped.
    it.effect.each([
      ["every field", {}],
      ["an unverified address", { emailVerified: false }],
      ["no name, address or picture", { name: null, email: null, emailVerified: false, image: null }]
    ] as const)("callback: the tokens and the profile of whoever signed in (%s)", ([_title, fields]) =>
      Effect.gen(function*() {
        const profile = person(fields)
        const { tokens, profile: mapped } = yield* signedIn(profile)
        assert.deepStrictEqual(mapped, profile)
        assert.isNotNull(tokens.accessToken)
        if (type === "oidc") assert.isNotNull(tokens.idToken)
      }))

    // `callback` refuses with `ProviderCheckFailed` naming the check: a wrong or missing `state` (an error answer
    // included); a wrong PKCE verifier (a code from another flow included); (OIDC) a wrong or missing nonce; a code
    // that is missing, replayed, or presented with another redirect URI.
    const refusals: ReadonlyArray<readonly [string, string, (flow: Flow) => void]> = [
      ["a wrong state", "state", (flow) => void (flow.params["state"] = random())],
      ["a missing state", "state", (flow) => void delete flow.params["state"]],
      ["an error answer with a wrong state", "state", (flow) => void (flow.params = { error: "access_denied", state: random() })],
      ["a wrong PKCE verifier", "pkce", (flow) => void (flow.checks.codeVerifier = random())],
      ["no code and no error", "code", (flow) => void delete flow.params["code"]],
      ["a code the provider never issued", "code", (flow) => void (flow.params["code"] = random())],
      ["the code presented with another redirect URI", "code", (flow) => void (flow.redirectUri = `${flow.redirectUri}/other`)]
    ]
    for (const [title, check, tamper] of refusals) {
      it.effect(`callback refuses ${title}: ProviderCheckFailed(${check})`, () =>
        Effect.map(refusedCallback(tamper), (outcome) => assert.strictEqual(outcome, `ProviderCheckFailed(${check})`)))
    }

    it.effect("callback refuses a code from another flow sent with this flow's state: ProviderCheckFailed(pkce)", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const attacker = yield* approvedFlow()
        const victim = yield* client.authorize(peer.provider, { redirectUri: peer.redirectUri })
        const params = { ...attacker.params, state: victim.checks.state }
        const error = yield* failureOf(client.callback(peer.provider, { redirectUri: peer.redirectUri, params, checks: victim.checks }))
        assert.strictEqual(checkOf(error), "ProviderCheckFailed(pkce)")
      }))

    it.effect("callback refuses a replayed code: ProviderCheckFailed(code)", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const { request, params } = yield* approvedFlow()
        const input = { redirectUri: peer.redirectUri, params, checks: request.checks }
        const { tokens } = yield* client.callback(peer.provider, input)
        const error = yield* failureOf(client.callback(peer.provider, input))
        assert.strictEqual(checkOf(error), "ProviderCheckFailed(code)")
        assertCarriesNothing(error, [params["code"] ?? "", value(tokens.accessToken), value(tokens.refreshToken)])
      }))

    const nonces = [["a wrong nonce", random()], ["a missing nonce", null]] as const
    for (const [title, nonce] of nonces) {
      const name = `callback refuses ${title} (OIDC): ProviderCheckFailed(nonce)`
      if (type === "oidc") {
        it.effect(name, () =>
          Effect.map(refusedCallback((flow) => void (flow.checks.nonce = nonce)), (outcome) =>
            assert.strictEqual(outcome, "ProviderCheckFailed(nonce)")))
      } else {
        it.skip(`${name} — not an OpenID provider: plain OAuth 2 has no nonce (authorize sends none, the first case)`, () => {})
      }
    }

    // `callback` for a person who refused at the provider fails with `ProviderDenied` carrying the provider's code.
    it.effect("callback after the person refused: ProviderDenied(access_denied)", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const request = yield* client.authorize(peer.provider, { redirectUri: peer.redirectUri })
        const params = yield* peer.deny(request.url)
        const error = yield* failureOf(client.callback(peer.provider, { redirectUri: peer.redirectUri, params, checks: request.checks }))
        assert.deepStrictEqual([error._tag, (error as { readonly error?: string }).error], ["ProviderDenied", "access_denied"])
      }))

    // `profile` asks the provider again with an access token and maps the same profile, for tokens stored earlier;
    // it never trusts an ID token it did not just validate. An access token the provider refuses fails with
    // `ProviderResponseInvalid`.
    it.effect("profile: the same profile from the access token, whatever ID token is stored; a forged token is ProviderResponseInvalid", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const profile = person()
        const { tokens } = yield* signedIn(profile)
        assert.deepStrictEqual(yield* client.profile(peer.provider, tokens), profile)
        assert.deepStrictEqual(yield* client.profile(peer.provider, { ...tokens, idToken: null }), profile)
        // An unsigned ID token naming someone else, as a tampered store could hold.
        const claims = Buffer.from(JSON.stringify({ sub: "mallory", email: "mallory@example.org", email_verified: true }))
        const forgedIdToken = Redacted.make(`eyJhbGciOiJub25lIn0.${claims.toString("base64url")}.`)
        assert.deepStrictEqual(yield* client.profile(peer.provider, { ...tokens, idToken: forgedIdToken }), profile)
        const forged = yield* failureOf(client.profile(peer.provider, { ...tokens, accessToken: Redacted.make(random()) }))
        assert.strictEqual(forged._tag, "ProviderResponseInvalid")
      }))

    // `refresh` spends a refresh token for new tokens; after a rotation the spent one fails with `InvalidGrant`, as
    // does one the provider does not know.
    it.effect("refresh: new tokens; a rotated-out refresh token is InvalidGrant", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const profile = person()
        const { tokens } = yield* signedIn(profile)
        const refreshed = yield* client.refresh(peer.provider, refreshTokenOf(tokens))
        assert.notStrictEqual(value(refreshed.accessToken), value(tokens.accessToken))
        assert.deepStrictEqual(yield* client.profile(peer.provider, { ...refreshed, idToken: null }), profile)
        if (refreshed.refreshToken !== null) {
          assert.notStrictEqual(value(refreshed.refreshToken), value(tokens.refreshToken))
          const spent = yield* failureOf(client.refresh(peer.provider, tokens.refreshToken!))
          assert.strictEqual(spent._tag, "InvalidGrant")
          assertCarriesNothing(spent, [value(tokens.refreshToken), value(refreshed.refreshToken)])
        }
      }))

    it.effect("refresh with a token the provider never issued, or an empty one: InvalidGrant", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        for (const token of [random(), ""]) {
          assert.strictEqual((yield* failureOf(client.refresh(peer.provider, Redacted.make(token))))._tag, "InvalidGrant")
        }
      }))

    // `revoke` revokes a token where the provider offers revocation, and otherwise does nothing; revoking a token
    // that is gone is no error.
    it.effect("revoke: the refresh token is then InvalidGrant, the access token refused; revoking again is no error", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const { tokens } = yield* signedIn()
        yield* client.revoke(peer.provider, refreshTokenOf(tokens))
        assert.strictEqual((yield* failureOf(client.refresh(peer.provider, tokens.refreshToken!)))._tag, "InvalidGrant")
        const other = (yield* signedIn()).tokens
        yield* client.revoke(peer.provider, other.accessToken!)
        assert.strictEqual((yield* failureOf(client.profile(peer.provider, other)))._tag, "ProviderResponseInvalid")
        yield* client.revoke(peer.provider, tokens.refreshToken!)
        yield* client.revoke(peer.provider, Redacted.make(random()))
      }))

    // A provider id that is not configured fails every operation with `UnknownProvider`.
    it.effect("a provider id that is not configured: UnknownProvider from every operation", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const { tokens } = yield* signedIn()
        const other = ProviderId.make("not-configured")
        const checks = { state: random(), codeVerifier: random(), nonce: null }
        const outcomes = [
          yield* failureOf(client.authorize(other, { redirectUri: peer.redirectUri })),
          yield* failureOf(client.callback(other, { redirectUri: peer.redirectUri, params: { code: random(), state: checks.state }, checks })),
          yield* failureOf(client.profile(other, tokens)),
          yield* failureOf(client.refresh(other, refreshTokenOf(tokens))),
          yield* failureOf(client.revoke(other, tokens.accessToken!))
        ].map((error) => error._tag)
        assert.deepStrictEqual(outcomes, Array(5).fill("UnknownProvider"))
      }))

    // While the provider cannot be reached, every operation that must ask it fails with `ProviderUnavailable`, never a
    // defect, and works again once it is back; `authorize` may answer from what it already knows.
    it.effect("a provider that is down: ProviderUnavailable, never a defect, and working again once it is back", () =>
      Effect.gen(function*() {
        const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
        const { request, params } = yield* approvedFlow()
        const { tokens } = yield* signedIn()
        const input = { redirectUri: peer.redirectUri, params, checks: request.checks }
        const { authorize, others } = yield* peer.whileDown(Effect.gen(function*() {
          const authorize = yield* Effect.exit(client.authorize(peer.provider, { redirectUri: peer.redirectUri }))
          const others = [
            yield* failureOf(client.callback(peer.provider, input)),
            yield* failureOf(client.profile(peer.provider, tokens)),
            yield* failureOf(client.refresh(peer.provider, refreshTokenOf(tokens))),
            yield* failureOf(client.revoke(peer.provider, tokens.accessToken!))
          ]
          return { authorize, others }
        }))
        assert.deepStrictEqual(others.map((error) => error._tag), Array(4).fill("ProviderUnavailable"))
        for (const error of others) assertCarriesNothing(error, [params["code"] ?? "", value(tokens.accessToken), value(tokens.refreshToken)])
        if (Exit.isFailure(authorize)) assert.strictEqual((yield* failureOf(authorize))._tag, "ProviderUnavailable")
        assert.isNotNull((yield* client.refresh(peer.provider, tokens.refreshToken!)).accessToken)
      }))
  })
