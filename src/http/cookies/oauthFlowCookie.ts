import { Clock, Effect, Schema } from "effect"
import type { AuthorizationChecks } from "../../ports/ProviderClient.ts"
import { TokenCodec } from "../../ports/TokenCodec.ts"
import { OAuthChecksMissing } from "../HttpError.ts"
import type { RouteInput } from "../routes/authRoute.ts"

/** A flow must come back within this time, as in Auth.js. */
const lifetimeSeconds = 15 * 60

const Checks = Schema.Struct({
  provider: Schema.String,
  state: Schema.String,
  codeVerifier: Schema.String,
  nonce: Schema.NullOr(Schema.String),
  redirectUri: Schema.String,
  callbackUrl: Schema.String,
  /**
   * A sign-in, or a link started from `POST /link/:provider` by this user in this session (its binding, see
   * sessionBinding.ts): the callback links only for that same session, so a flow carried into another
   * browser — a planted cookie with the attacker's code — links nothing.
   */
  intent: Schema.Union([
    Schema.Struct({ _tag: Schema.Literal("SignIn") }),
    Schema.Struct({ _tag: Schema.Literal("Link"), userId: Schema.String, session: Schema.String })
  ])
})
export type OAuthFlow = typeof Checks.Type
export type OAuthIntent = OAuthFlow["intent"]

/**
 * The state, PKCE verifier and nonce of a flow in progress, with where to go afterwards and who started it,
 * sealed (encrypted) into one short-lived cookie: nothing about the flow is kept on the server, and nothing in
 * it can be read or altered by the browser. On https the cookie is `__Host-` (see cookieNames.ts).
 */
export const sealOAuthFlow = Effect.fnUntraced(function*(input: RouteInput, flow: OAuthFlow) {
  const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
  const sealed = yield* TokenCodec.use((codec) => codec.seal("checks", { ...flow, iat: now, exp: now + lifetimeSeconds }))
  const expires = new Date((now + lifetimeSeconds) * 1000)
  const provider = input.config.providers.find((p) => p.id === flow.provider)
  // The cookie is sealed and bound to state and PKCE, so sending it cross-site gives nothing away.
  if (provider !== undefined && (provider.type === "oauth" || provider.type === "oidc") && provider.responseMode === "form_post") {
    input.jar.setCrossSite(input.names.oauth, sealed, expires)
  } else {
    input.jar.set(input.names.oauth, sealed, expires)
  }
})

const decodeChecks = Schema.decodeUnknownOption(Checks)

/** Opens the flow for `provider` and clears the cookie: each flow is answered once. */
export const openOAuthFlow = Effect.fnUntraced(function*(input: RouteInput, provider: string) {
  const cookie = input.request.cookies[input.names.oauth]
  input.jar.expire(input.names.oauth)
  if (cookie === undefined) return yield* new OAuthChecksMissing()
  const claims = yield* TokenCodec.use((codec) => codec.open("checks", cookie)).pipe(
    Effect.catchTag("TokenRejected", () => new OAuthChecksMissing())
  )
  const flow = decodeChecks(claims)
  if (flow._tag === "None" || flow.value.provider !== provider) return yield* new OAuthChecksMissing()
  return flow.value
})

export const checksOf = (flow: OAuthFlow): AuthorizationChecks => ({
  state: flow.state,
  codeVerifier: flow.codeVerifier,
  nonce: flow.nonce
})
