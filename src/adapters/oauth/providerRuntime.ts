import { Effect, Redacted } from "effect"
import * as client from "openid-client"
import type { ProviderUnavailable } from "../../ports/ProviderClient.ts"
import { boundedFetch } from "./boundedFetch.ts"
import { decideInsecureRequests, InsecureRequestRefused, metadataEndpoints, refusePlainHttp } from "./insecureRequests.ts"
import { unavailableError } from "./portErrors.ts"
import type { ResolvedProvider } from "./resolveOptions.ts"

/**
 * Plain http is not an option here: each provider gets it exactly when all its endpoints are https or on
 * this machine (insecureRequests.ts), and never for a request to another machine.
 */
export interface TransportOptions {
  /** Every request to every provider goes through it (default: the global fetch). */
  readonly fetch?: typeof fetch
}

/** One configured provider at run time: its options and its openid-client Configuration, once there is one. */
export interface ProviderRuntime {
  readonly resolved: ResolvedProvider
  readonly errorContext: { readonly provider: string; readonly timeoutMillis: number }
  /**
   * Discovered (or built from the explicit endpoints) on first use and kept once it worked. A failure is
   * not kept: a provider that is down at start-up is asked again by the next request.
   */
  readonly configuration: Effect.Effect<client.Configuration, ProviderUnavailable>
  /** Whether we know the issuer, so that an RFC 9207 `iss` parameter can be checked rather than ignored. */
  readonly issuerKnown: boolean
}

// The secret in the client metadata is what checks HS256-signed ID tokens; client authentication has its own.
const clientMetadata = (resolved: ResolvedProvider): Partial<client.ClientMetadata> | undefined =>
  resolved.options.clientSecret === undefined ? undefined : { client_secret: Redacted.value(resolved.options.clientSecret) }

export const makeRuntime = (
  resolved: ResolvedProvider,
  clientAuth: client.ClientAuth,
  transport: TransportOptions
): ProviderRuntime => {
  const customFetch = refusePlainHttp(boundedFetch(
    transport.fetch ?? globalThis.fetch,
    resolved.timeoutMillis,
    resolved.options.conformTokenResponse
  ))
  const timeoutSeconds = resolved.timeoutMillis / 1000
  const metadata = clientMetadata(resolved)
  const { server } = resolved

  // openid-client trusts an ID token from the token endpoint on TLS alone (OIDC Core §3.1.3.7 allows it);
  // its signature is checked against the provider's JWKS as well, so a token endpoint answering for
  // someone else, or a tampered answer, is caught too.
  const checkSignatures = (configuration: client.Configuration) => {
    if (resolved.options.type === "oidc") client.enableNonRepudiationChecks(configuration)
  }

  const create = async (): Promise<client.Configuration> => {
    if (server._tag === "Discovery") {
      // resolveOptions refused an issuer at plain http elsewhere; a loopback one needs plain http to be asked.
      const loopbackIssuer = decideInsecureRequests({ issuer: server.issuer })._tag === "LoopbackHttp"
      const configuration = await client.discovery(server.issuer, resolved.options.clientId, metadata, clientAuth, {
        [client.customFetch]: customFetch,
        timeout: timeoutSeconds,
        algorithm: resolved.options.type === "oidc" ? "oidc" : "oauth2",
        execute: loopbackIssuer ? [client.allowInsecureRequests, checkSignatures] : [checkSignatures]
      })
      // The document names the endpoints the secrets go to: held to the rule before any of them is asked.
      const decision = decideInsecureRequests({
        issuer: server.issuer,
        ...metadataEndpoints(configuration.serverMetadata() as Readonly<Record<string, unknown>>)
      })
      if (decision._tag === "Refused") throw new InsecureRequestRefused(`the discovered ${decision.message}`)
      if (decision._tag === "LoopbackHttp") client.allowInsecureRequests(configuration)
      return configuration
    }
    const { endpoints } = server
    const configuration = new client.Configuration(
      {
        // A provider without discovery may not name an issuer; nothing checks it then (see issuerKnown).
        issuer: server.issuer ?? new URL(endpoints.authorization).origin,
        authorization_endpoint: endpoints.authorization,
        token_endpoint: endpoints.token,
        ...(endpoints.userinfo === undefined ? {} : { userinfo_endpoint: endpoints.userinfo }),
        ...(endpoints.revocation === undefined ? {} : { revocation_endpoint: endpoints.revocation }),
        ...(endpoints.jwks === undefined ? {} : { jwks_uri: endpoints.jwks })
      },
      resolved.options.clientId,
      metadata,
      clientAuth
    )
    configuration[client.customFetch] = customFetch
    configuration.timeout = timeoutSeconds
    // resolveOptions refused plain http elsewhere: what is left is https, or loopback http that needs this.
    if (decideInsecureRequests({ ...endpoints })._tag === "LoopbackHttp") client.allowInsecureRequests(configuration)
    checkSignatures(configuration)
    return configuration
  }

  let current: Promise<client.Configuration> | undefined
  const shared = () => {
    if (current === undefined) {
      const attempt = create()
      current = attempt
      // Concurrent first requests share one discovery; a failed one is forgotten so the next retries.
      attempt.catch(() => {
        if (current === attempt) current = undefined
      })
    }
    return current
  }
  const errorContext = { provider: resolved.id, timeoutMillis: resolved.timeoutMillis }
  return {
    resolved,
    errorContext,
    configuration: Effect.tryPromise({ try: shared, catch: unavailableError(errorContext) }),
    issuerKnown: server._tag === "Discovery" || server.issuer !== undefined
  }
}
