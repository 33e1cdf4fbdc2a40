/** ProviderClient conformance: `authorize` and `callback` — the checks of a flow, the profile it proves, a refusal. */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import { ProviderClient } from "../../../src/ports/ProviderClient.ts"
import { failureOf } from "../../support/failureOf.ts"
import {
  approvedFlow,
  assertCarriesNothing,
  checkOf,
  type ConformanceIt,
  type Flow,
  person,
  ProviderPeer,
  type ProviderType,
  random,
  refusedCallback,
  s256,
  signedIn,
  value
} from "./fixtures.ts"

/** Registers the authorization cases; `type` says whether the nonce cases apply. */
export const describeAuthorization = (it: ConformanceIt, type: ProviderType): void => {
  describe("authorize and callback", () => {
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
            assert.isNotNull(checks.nonce)
            assert.strictEqual(query["nonce"], checks.nonce)
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
  })
}
