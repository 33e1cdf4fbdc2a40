import { Result, Schema } from "effect"
import { ProviderId } from "../../domain/Account.ts"
import { decideInsecureRequests } from "./insecureRequests.ts"
import { defaultProfile } from "./profileClaims.ts"
import type {
  ClientAuthMethod,
  OAuthCheck,
  OAuthEndpoints,
  OAuthProviderOptions,
  ProfileMapping
} from "./OAuthProviderOptions.ts"

/** The options cannot make a client; `message` names what is wrong, never a secret. */
export class InvalidProviderOptions extends Schema.TaggedError<InvalidProviderOptions>()("InvalidProviderOptions", {
  provider: Schema.String,
  message: Schema.String
}) {}

/** Options checked and defaulted, ready for the client. */
export interface ResolvedProvider {
  readonly options: OAuthProviderOptions
  readonly id: ProviderId
  readonly checks: { readonly state: boolean; readonly pkce: boolean; readonly nonce: boolean }
  readonly clientAuth: ClientAuthMethod
  readonly scope: string | undefined
  readonly profile: ProfileMapping
  readonly profileParams: ReadonlyArray<string>
  readonly timeoutMillis: number
  /** Discovery from `issuer`, or the explicit endpoints (with the issuer they name, if any). */
  readonly server:
    | { readonly _tag: "Discovery"; readonly issuer: URL }
    | { readonly _tag: "Static"; readonly issuer: string | undefined; readonly endpoints: OAuthEndpoints }
}

const defaultTimeoutMillis = 10_000
// Node timers fire at once past 2^31 ms; a minute is already far beyond any provider worth waiting for.
const maxTimeoutMillis = 60_000

const httpUrl = (value: string): URL | undefined => {
  const url = URL.parse(value)
  return url !== null && (url.protocol === "https:" || url.protocol === "http:") && url.hash === "" ? url : undefined
}

export const resolveOptions = (
  options: OAuthProviderOptions
): Result.Result<ResolvedProvider, InvalidProviderOptions> => {
  const provider = typeof options.id === "string" ? options.id : ""
  const invalid = (message: string) => Result.fail(new InvalidProviderOptions({ provider, message }))
  const id = Schema.decodeUnknownOption(ProviderId)(options.id)
  if (id._tag === "None") return invalid("the provider id must look like \"github\" (a-z, 0-9, _ and -)")
  if (options.type !== "oidc" && options.type !== "oauth") return invalid("type must be \"oidc\" or \"oauth\"")
  if (typeof options.clientId !== "string" || options.clientId === "") return invalid("clientId is missing")

  const checks = options.checks ?? (options.type === "oidc" ? ["state", "pkce", "nonce"] : ["state", "pkce"])
  for (const check of checks) {
    if (check !== "state" && check !== "pkce" && check !== "nonce") return invalid(`unknown check "${String(check)}"`)
  }
  if (options.type === "oauth" && checks.includes("nonce")) return invalid("nonce is an OpenID Connect check")
  // Without state or PKCE nothing ties the callback to the browser that started the flow.
  if (!checks.includes("state") && !checks.includes("pkce") && !checks.includes("nonce")) {
    return invalid("at least one of the state, pkce and nonce checks must stay on")
  }

  const clientAuth: ClientAuthMethod = options.clientAuth ??
    (options.privateKeyJwk !== undefined
      ? "private_key_jwt"
      : options.clientSecret !== undefined
      ? "client_secret_basic"
      : "none")
  if ((clientAuth === "client_secret_basic" || clientAuth === "client_secret_post") && options.clientSecret === undefined) {
    return invalid(`${clientAuth} needs a clientSecret`)
  }
  if (clientAuth === "private_key_jwt" && options.privateKeyJwk === undefined) {
    return invalid("private_key_jwt needs a privateKeyJwk")
  }
  if (clientAuth === "none" && !checks.includes("pkce")) return invalid("a public client (clientAuth \"none\") needs PKCE")

  let server: ResolvedProvider["server"]
  if (options.endpoints !== undefined) {
    const { authorization, token, userinfo, revocation, jwks } = options.endpoints
    for (const [name, value] of Object.entries({ authorization, token, userinfo, revocation, jwks })) {
      if (value !== undefined && httpUrl(value) === undefined) return invalid(`endpoints.${name} is not an http(s) URL`)
    }
    if (authorization === undefined || token === undefined) {
      return invalid("endpoints needs at least the authorization and token endpoints")
    }
    if (options.type === "oidc" && (options.issuer === undefined || jwks === undefined)) {
      return invalid("an OpenID provider without discovery needs its issuer and endpoints.jwks to check ID tokens")
    }
    // RFC 7523 §3: the assertion names the issuer as its audience, so it must be the real one.
    if (clientAuth === "private_key_jwt" && options.issuer === undefined) {
      return invalid("private_key_jwt without discovery needs the issuer, the audience of its assertions")
    }
    // Plain http to another machine is refused here, before any request; the issuer is not requested then.
    const transport = decideInsecureRequests({ authorization, token, userinfo, revocation, jwks })
    if (transport._tag === "Refused") return invalid(`endpoints.${transport.message}`)
    server = { _tag: "Static", issuer: options.issuer, endpoints: options.endpoints }
  } else if (options.issuer !== undefined) {
    const issuer = httpUrl(options.issuer)
    if (issuer === undefined || issuer.search !== "") return invalid("issuer is not an http(s) URL without a query")
    // The discovered endpoints are held to the same rule when the document arrives (providerRuntime.ts).
    const transport = decideInsecureRequests({ issuer })
    if (transport._tag === "Refused") return invalid(transport.message)
    server = { _tag: "Discovery", issuer }
  } else {
    return invalid("either issuer (for discovery) or endpoints is needed")
  }
  if (options.type === "oauth" && options.userinfoRequest === undefined && options.endpoints?.userinfo === undefined) {
    return invalid("a plain OAuth 2 provider needs endpoints.userinfo or a userinfoRequest for the profile")
  }

  if (options.type === "oidc" && options.scope !== undefined && !options.scope.split(" ").includes("openid")) {
    return invalid("the scope of an OpenID provider must include \"openid\"")
  }

  const timeoutMillis = options.timeoutMillis ?? defaultTimeoutMillis
  if (!(timeoutMillis > 0 && timeoutMillis <= maxTimeoutMillis)) {
    return invalid("timeoutMillis must be a positive number of at most a minute")
  }
  const has = (check: OAuthCheck) => checks.includes(check)
  return Result.succeed({
    options,
    id: id.value,
    checks: { state: has("state"), pkce: has("pkce"), nonce: has("nonce") },
    clientAuth,
    scope: options.scope ?? (options.type === "oidc" ? "openid profile email" : undefined),
    profile: options.profile ?? defaultProfile,
    profileParams: options.profileParams ?? [],
    timeoutMillis,
    server
  })
}
