import { Effect } from "effect"
import * as client from "openid-client"
import type { AuthorizationRequest } from "../../ports/ProviderClient.ts"
import { unavailableError } from "./portErrors.ts"
import type { ProviderRuntime } from "./providerRuntime.ts"

/** Parameters that carry the flow's protection or routing: neither the preset nor the caller sets them. */
const reserved = new Set([
  "client_id",
  "redirect_uri",
  "response_type",
  "response_mode",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "request",
  "request_uri"
])

/**
 * The authorization URL (RFC 6749 §4.1.1) with a fresh `state`, a PKCE S256 challenge (RFC 7636 §4.2)
 * and, for OpenID Connect, a `nonce`. A check the provider has turned off comes back as "" (state,
 * code verifier) or null (nonce), which `callback` reads the same way.
 */
export const authorizationRequest = Effect.fnUntraced(function*(
  runtime: ProviderRuntime,
  options: { readonly redirectUri: string; readonly params?: Readonly<Record<string, string>> }
) {
  const { resolved } = runtime
  const configuration = yield* runtime.configuration
  const state = resolved.checks.state ? client.randomState() : ""
  const codeVerifier = resolved.checks.pkce ? client.randomPKCECodeVerifier() : ""
  const nonce = resolved.checks.nonce ? client.randomNonce() : null

  const parameters: Record<string, string> = resolved.scope === undefined ? {} : { scope: resolved.scope }
  for (const extra of [resolved.options.authorizationParams, options.params]) {
    for (const [name, value] of Object.entries(extra ?? {})) if (!reserved.has(name)) parameters[name] = value
  }
  parameters["redirect_uri"] = options.redirectUri
  parameters["response_type"] = "code"
  if (resolved.options.responseMode === "form_post") parameters["response_mode"] = "form_post"
  if (resolved.checks.state) parameters["state"] = state
  if (nonce !== null) parameters["nonce"] = nonce
  if (resolved.checks.pkce) {
    parameters["code_challenge"] = yield* Effect.tryPromise({
      try: () => client.calculatePKCECodeChallenge(codeVerifier),
      catch: unavailableError(runtime.errorContext)
    })
    parameters["code_challenge_method"] = "S256"
  }
  const url = yield* Effect.try({
    try: () => client.buildAuthorizationUrl(configuration, parameters),
    catch: unavailableError(runtime.errorContext)
  })
  return { url: url.href, checks: { state, codeVerifier, nonce } } satisfies AuthorizationRequest
})
