import { Clock, Effect } from "effect"
import * as client from "openid-client"
import { equalSecrets } from "../../domain/equalSecrets.ts"
import { type CallbackInput, ProviderCheckFailed, ProviderDenied, ProviderResponseInvalid } from "../../ports/ProviderClient.ts"
import type { FlowFacts } from "./flowFacts.ts"
import { callbackError } from "./portErrors.ts"
import { oauthErrorCode } from "./providerFailure.ts"
import type { ProviderRuntime } from "./providerRuntime.ts"
import { tokenSetOf } from "./tokenSet.ts"

const pick = (params: Readonly<Record<string, string>>, names: ReadonlyArray<string>) => {
  const kept: Record<string, string> = {}
  for (const name of names) {
    const value = params[name]
    if (value !== undefined) kept[name] = value
  }
  return kept
}

/**
 * Verifies the callback and exchanges its code (RFC 6749 §4.1.2–4.1.4). Our own checks come first and
 * in this order, so that the error names the first thing that is wrong: state (§10.12: a response we did
 * not ask for, even an error response, is not read any further), the RFC 9207 `iss`, the provider's
 * `error`, then openid-client exchanges the code with the PKCE verifier and validates the ID token
 * (signature, iss, aud, exp, nonce).
 */
export const exchangeCode = Effect.fnUntraced(function*(
  runtime: ProviderRuntime,
  input: CallbackInput
) {
  const { resolved } = runtime
  const provider = resolved.id
  const params = input.params
  const failed = (check: ProviderCheckFailed["check"]) => new ProviderCheckFailed({ provider, check })

  const state = params["state"]
  if (resolved.checks.state && (input.checks.state === "" || state === undefined || !equalSecrets(state, input.checks.state))) {
    return yield* failed("state")
  }
  const configuration = yield* runtime.configuration
  const metadata = configuration.serverMetadata()
  // Entra ID's multi-tenant issuer is a template ("{tenantid}"); openid-client checks its ID tokens per tenant.
  const checkIssuer = runtime.issuerKnown && !metadata.issuer.includes("{tenantid}")
  const iss = params["iss"]
  if (checkIssuer && (iss === undefined ? metadata.authorization_response_iss_parameter_supported === true : iss !== metadata.issuer)) {
    return yield* failed("issuer")
  }
  const error = params["error"]
  if (error !== undefined) return yield* new ProviderDenied({ provider, error: oauthErrorCode(error) })
  const code = params["code"]
  if (code === undefined || code === "") return yield* failed("code")
  if (resolved.checks.pkce && input.checks.codeVerifier === "") return yield* failed("pkce")
  if (resolved.checks.nonce && input.checks.nonce === null) return yield* failed("nonce")

  // Only what openid-client checks goes to it: a forged `id_token` or `response` parameter would switch it
  // to a flow we never started.
  const callbackUrl = URL.parse(input.redirectUri)
  if (callbackUrl === null) {
    return yield* new ProviderResponseInvalid({ provider, message: "the redirect URI is not a URL" })
  }
  callbackUrl.search = ""
  callbackUrl.hash = ""
  callbackUrl.searchParams.set("code", code)
  if (resolved.checks.state && state !== undefined) callbackUrl.searchParams.set("state", state)
  if (checkIssuer && iss !== undefined) callbackUrl.searchParams.set("iss", iss)

  const checks: client.AuthorizationCodeGrantChecks = {
    idTokenExpected: resolved.options.type === "oidc",
    ...(resolved.checks.state ? { expectedState: input.checks.state } : {}),
    ...(resolved.checks.pkce ? { pkceCodeVerifier: input.checks.codeVerifier } : {}),
    ...(resolved.checks.nonce && input.checks.nonce !== null ? { expectedNonce: input.checks.nonce } : {})
  }
  const response = yield* Effect.tryPromise({
    try: () => client.authorizationCodeGrant(configuration, callbackUrl, checks),
    catch: callbackError(runtime.errorContext)
  })
  const tokens = tokenSetOf(response, yield* Clock.currentTimeMillis)
  const sessionState = params["session_state"]
  const withSession = tokens.sessionState === null && sessionState !== undefined && sessionState !== ""
    ? { ...tokens, sessionState }
    : tokens
  const facts: FlowFacts = { claims: response.claims(), params: pick(params, resolved.profileParams) }
  return { tokens: withSession, facts }
})
