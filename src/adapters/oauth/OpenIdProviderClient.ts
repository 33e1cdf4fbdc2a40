import { Clock, Duration, Effect, Layer, Redacted } from "effect"
import * as client from "openid-client"
import type { ProviderId } from "../../domain/Account.ts"
import { InvalidGrant, ProviderClient, ProviderUnavailable, UnknownProvider } from "../../ports/ProviderClient.ts"
import { authorizationRequest } from "./authorizationRequest.ts"
import { clientAuthentication } from "./clientAuthentication.ts"
import { exchangeCode } from "./codeExchange.ts"
import type { OAuthProviderOptions } from "./OAuthProviderOptions.ts"
import { refreshError, unavailableError } from "./portErrors.ts"
import { makeRuntime, type ProviderRuntime, type TransportOptions } from "./providerRuntime.ts"
import { fetchProfile } from "./profileRequest.ts"
import { InvalidProviderOptions, resolveOptions } from "./resolveOptions.ts"
import { tokenSetOf } from "./tokenSet.ts"

export type { TransportOptions as LayerOptions } from "./providerRuntime.ts"
export { InvalidProviderOptions } from "./resolveOptions.ts"

/**
 * Every request is bounded by the provider's timeout already; an operation makes at most a few (discovery,
 * token, JWKS, userinfo), and this bound on the whole is what guarantees that nothing can hang.
 */
const bounded = (runtime: ProviderRuntime) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutOrElse(effect, {
    duration: Duration.millis(runtime.resolved.timeoutMillis * 4),
    orElse: () =>
      Effect.fail(
        new ProviderUnavailable({ provider: runtime.resolved.id, message: "the provider did not finish in time" })
      )
  })

/**
 * The ProviderClient over openid-client: OpenID Connect with discovery and plain OAuth 2 with explicit
 * endpoints, one client per provider. Options are checked here, so a wrong configuration fails at
 * start-up; the providers themselves are only asked on first use, so one that is down does not.
 */
export const make = (
  providers: ReadonlyArray<OAuthProviderOptions>,
  options: TransportOptions = {}
): Effect.Effect<ProviderClient["Service"], InvalidProviderOptions> =>
  Effect.gen(function*() {
    const runtimes = new Map<string, ProviderRuntime>()
    for (const provider of providers) {
      const resolved = yield* Effect.fromResult(resolveOptions(provider))
      if (runtimes.has(resolved.id)) {
        return yield* new InvalidProviderOptions({ provider: resolved.id, message: "two providers have this id" })
      }
      runtimes.set(resolved.id, makeRuntime(resolved, yield* clientAuthentication(resolved), options))
    }

    const lookup = (provider: ProviderId) =>
      Effect.suspend(() => {
        const runtime = runtimes.get(provider)
        return runtime === undefined ? Effect.fail(new UnknownProvider({ provider })) : Effect.succeed(runtime)
      })

    return ProviderClient.of({
      authorize: Effect.fn("OpenIdProviderClient.authorize")(function*(provider, request) {
        const runtime = yield* lookup(provider)
        return yield* authorizationRequest(runtime, request).pipe(bounded(runtime))
      }),

      callback: Effect.fn("OpenIdProviderClient.callback")(function*(provider, input) {
        const runtime = yield* lookup(provider)
        return yield* Effect.gen(function*() {
          const { tokens, facts } = yield* exchangeCode(runtime, input)
          return { tokens, profile: yield* fetchProfile(runtime, tokens, facts) }
        }).pipe(bounded(runtime))
      }),

      profile: Effect.fn("OpenIdProviderClient.profile")(function*(provider, tokens) {
        const runtime = yield* lookup(provider)
        return yield* fetchProfile(runtime, tokens, undefined).pipe(bounded(runtime))
      }),

      refresh: Effect.fn("OpenIdProviderClient.refresh")(function*(provider, refreshToken) {
        const runtime = yield* lookup(provider)
        const token = Redacted.value(refreshToken)
        if (token === "") return yield* new InvalidGrant({ provider })
        return yield* Effect.gen(function*() {
          const configuration = yield* runtime.configuration
          const response = yield* Effect.tryPromise({
            try: () => client.refreshTokenGrant(configuration, token),
            catch: refreshError(runtime.errorContext)
          })
          return tokenSetOf(response, yield* Clock.currentTimeMillis)
        }).pipe(bounded(runtime))
      }),

      revoke: Effect.fn("OpenIdProviderClient.revoke")(function*(provider, token) {
        const runtime = yield* lookup(provider)
        yield* Effect.gen(function*() {
          const configuration = yield* runtime.configuration
          // RFC 7009 is optional for providers; without the endpoint there is nothing to tell them.
          if (configuration.serverMetadata().revocation_endpoint === undefined) return
          yield* Effect.tryPromise({
            try: () => client.tokenRevocation(configuration, Redacted.value(token)),
            catch: unavailableError(runtime.errorContext)
          })
        }).pipe(bounded(runtime))
      })
    })
  })

export const layer = (
  providers: ReadonlyArray<OAuthProviderOptions>,
  options?: TransportOptions
): Layer.Layer<ProviderClient, InvalidProviderOptions> => Layer.effect(ProviderClient, make(providers, options))
