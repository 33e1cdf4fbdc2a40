/**
 * Shared fixtures of the ProviderClient conformance suite (test/conformance/ProviderClient.ts, whose header states
 * the rules every case keeps): the `ProviderPeer` a run provides, fresh people and secrets, and the flows the cases
 * start, tamper with and finish.
 */
import { assert, type Vitest } from "@effect/vitest"
import { Context, Effect, Redacted } from "effect"
import { createHash, randomBytes } from "node:crypto"
import type { ProviderId, TokenSet } from "../../../src/domain/Account.ts"
import type { Profile } from "../../../src/domain/Profile.ts"
import { type AuthorizationChecks, ProviderClient } from "../../../src/ports/ProviderClient.ts"
import { failureOf } from "../../support/failureOf.ts"

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

/** The `it` that `layer(clientLayer)(name, (it) => …)` gives the suite's blocks. */
export type ConformanceIt = Vitest.MethodsNonLive<ProviderClient | ProviderPeer>

/** What the peer's provider speaks: OpenID Connect (ID tokens, nonce) or plain OAuth 2. */
export type ProviderType = "oidc" | "oauth"

export const random = () => randomBytes(32).toString("base64url")
export const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url")
export const value = (secret: Redacted.Redacted<string> | null) => (secret === null ? "" : Redacted.value(secret))

/** A fresh person at the provider, with every profile field set (`fields` overrides). */
export const person = (fields: Partial<Profile> = {}): Profile => {
  const id = `p-${crypto.randomUUID()}`
  return { id, name: "Ada Lovelace", email: `${id}@example.com`, emailVerified: true, image: `https://img.example.com/${id}.png`, ...fields }
}

/** What no error may carry: tokens, codes, state, verifiers, addresses. */
export const assertCarriesNothing = (error: unknown, secrets: ReadonlyArray<string>) => {
  const visible = `${String(error)} ${JSON.stringify(error)} ${(error as { message?: unknown }).message}`
  for (const secret of secrets) if (secret.length >= 6) assert.notInclude(visible, secret)
  assert.notInclude(visible, "@example.com")
}

/** The error's tag, with the check for `ProviderCheckFailed`. */
export const checkOf = (error: { readonly _tag: string; readonly check?: string }) =>
  error._tag === "ProviderCheckFailed" ? `ProviderCheckFailed(${error.check})` : error._tag

/** A started flow: the request and what the provider sent back after the person approved. */
export const approvedFlow = (profile: Profile = person()) =>
  Effect.gen(function*() {
    const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
    const request = yield* client.authorize(peer.provider, { redirectUri: peer.redirectUri })
    const params = yield* peer.approve(request.url, profile)
    return { request, params, profile }
  })

export type Flow = { params: Record<string, string>; checks: { -readonly [K in keyof AuthorizationChecks]: AuthorizationChecks[K] }; redirectUri: string }

/** Approves a flow, lets `tamper` change what the callback gets, and returns how the callback failed. */
export const refusedCallback = (tamper: (flow: Flow) => void) =>
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
export const signedIn = (profile: Profile = person()) =>
  Effect.gen(function*() {
    const [client, peer] = [yield* ProviderClient, yield* ProviderPeer]
    const { request, params } = yield* approvedFlow(profile)
    return yield* client.callback(peer.provider, { redirectUri: peer.redirectUri, params, checks: request.checks })
  })

export const refreshTokenOf = (tokens: TokenSet) => {
  assert.isNotNull(tokens.refreshToken, "the suite's providers issue refresh tokens")
  return tokens.refreshToken!
}
