import { Effect, Redacted, Schema } from "effect"
import * as client from "openid-client"
import type { TokenSet } from "../../domain/Account.ts"
import { Profile } from "../../domain/Profile.ts"
import { ProviderResponseInvalid, ProviderUnavailable } from "../../ports/ProviderClient.ts"
import type { FlowFacts } from "./flowFacts.ts"
import type { Claims, ProfileRequest } from "./OAuthProviderOptions.ts"
import { profileError } from "./portErrors.ts"
import type { ProviderRuntime } from "./providerRuntime.ts"

const isObject = (value: unknown): value is Claims =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const decodeProfile = Schema.decodeUnknownOption(Profile)

/** `get` of a ProfileRequest: a GET with the access token as a Bearer token, its JSON answer. */
const protectedGet = (runtime: ProviderRuntime, configuration: client.Configuration, tokens: TokenSet) =>
  Effect.fnUntraced(function*(url: string, headers?: Readonly<Record<string, string>>) {
    const provider = runtime.resolved.id
    if (tokens.accessToken === null) {
      return yield* new ProviderResponseInvalid({ provider, message: "the provider gave no access token to ask for the profile with" })
    }
    const target = URL.parse(url)
    if (target === null) return yield* new ProviderResponseInvalid({ provider, message: "the profile URL is not a URL" })
    const toError = profileError(runtime.errorContext)
    const response = yield* Effect.tryPromise({
      try: () =>
        client.fetchProtectedResource(
          configuration,
          Redacted.value(tokens.accessToken!),
          target,
          "GET",
          undefined,
          new Headers({ accept: "application/json", ...headers })
        ),
      catch: toError
    })
    if (!response.ok) {
      yield* Effect.ignore(Effect.tryPromise(() => response.body?.cancel() ?? Promise.resolve()))
      const message = `the profile request was answered with HTTP ${response.status}`
      return yield* response.status >= 500 || response.status === 429
        ? new ProviderUnavailable({ provider, message })
        : new ProviderResponseInvalid({ provider, message })
    }
    return yield* Effect.tryPromise({ try: () => response.json() as Promise<unknown>, catch: toError })
  })

/**
 * The claims about the person. OpenID Connect: the ID-token claims openid-client validated in the
 * callback, completed by userinfo (whose `sub` must be the ID token's, OIDC Core §5.3.2); where the two
 * disagree the signed ID token wins. Plain OAuth 2: the preset's profile request, or one GET of the
 * userinfo endpoint.
 */
const claimsOf = Effect.fnUntraced(function*(
  runtime: ProviderRuntime,
  tokens: TokenSet,
  idTokenClaims: Claims | undefined
) {
  const { resolved } = runtime
  const provider = resolved.id
  const configuration = yield* runtime.configuration
  const get = protectedGet(runtime, configuration, tokens)
  if (resolved.options.type === "oauth") {
    const request: ProfileRequest = { provider, tokens, get }
    const answer = resolved.options.userinfoRequest === undefined
      ? yield* get(resolved.options.endpoints!.userinfo!)
      : yield* resolved.options.userinfoRequest(request)
    if (!isObject(answer)) return yield* new ProviderResponseInvalid({ provider, message: "the profile answer is not a JSON object" })
    return answer
  }
  const userinfoEndpoint = configuration.serverMetadata().userinfo_endpoint
  if (userinfoEndpoint === undefined || tokens.accessToken === null) {
    if (idTokenClaims === undefined) {
      return yield* new ProviderResponseInvalid({
        provider,
        message: "no checked ID-token claims for these tokens and no userinfo endpoint to ask"
      })
    }
    return idTokenClaims
  }
  const subject = typeof idTokenClaims?.["sub"] === "string" ? idTokenClaims["sub"] : client.skipSubjectCheck
  const userinfo = yield* Effect.tryPromise({
    try: () => client.fetchUserInfo(configuration, Redacted.value(tokens.accessToken!), subject),
    catch: profileError(runtime.errorContext)
  })
  return { ...userinfo, ...idTokenClaims } as Claims
})

/**
 * The person behind `tokens`, mapped by the preset. `facts` are what the callback just validated (ID-token
 * claims, kept callback fields); without them (tokens stored earlier) only the provider's answer counts.
 */
export const fetchProfile = Effect.fnUntraced(function*(
  runtime: ProviderRuntime,
  tokens: TokenSet,
  facts: FlowFacts | undefined
) {
  const { resolved } = runtime
  const provider = resolved.id
  const claims = yield* claimsOf(runtime, tokens, facts?.claims).pipe(
    // A custom profile request is the preset's code: its bugs end as an unusable answer, not as a defect.
    Effect.catchDefect(() =>
      Effect.fail(new ProviderResponseInvalid({ provider, message: "the profile request failed on the provider's answer" }))
    )
  )
  const mapped = yield* Effect.try({
    try: () => resolved.profile(claims, { tokens, params: facts?.params ?? {} }),
    catch: () => new ProviderResponseInvalid({ provider, message: "the profile mapping failed on the provider's answer" })
  })
  const profile = decodeProfile(mapped)
  if (profile._tag === "None") {
    return yield* new ProviderResponseInvalid({ provider, message: "the provider's answer has no usable account id" })
  }
  return profile.value
})
