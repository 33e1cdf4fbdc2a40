import type { Effect, Redacted } from "effect"
import { type ProviderId, type TokenSet } from "../../domain/Account.ts"
import type { Profile } from "../../domain/Profile.ts"
import type { OAuthProviderConfig } from "../../domain/Provider.ts"
import type { ProviderResponseInvalid, ProviderUnavailable } from "../../ports/ProviderClient.ts"

/** A JSON object as the provider sent it: ID-token claims, a userinfo answer, a token response. */
export type Claims = Readonly<Record<string, unknown>>

/** What a profile mapping gets besides the claims. */
export interface ProfileContext {
  readonly tokens: TokenSet
  /**
   * The callback parameters named in `profileParams`, as the provider sent them (Apple posts the user's
   * name only on the first sign-in, in the `user` form field). Empty when the flow carried none.
   */
  readonly params: Readonly<Record<string, string>>
}

/**
 * Turns what the provider said about the person into a Profile. `emailVerified` must be true only when
 * the provider vouches for the address: the linking rules sign an existing user in on it.
 */
export type ProfileMapping = (claims: Claims, context: ProfileContext) => Profile

/** What a custom profile request may do: GET JSON with the access token, under the provider's timeout. */
export interface ProfileRequest {
  /** The provider's id, for the errors the request itself raises. */
  readonly provider: string
  readonly tokens: TokenSet
  readonly get: (
    url: string,
    headers?: Readonly<Record<string, string>>
  ) => Effect.Effect<unknown, ProviderUnavailable | ProviderResponseInvalid>
}

/** Gets a token endpoint's JSON body and HTTP status (200 or an error status) and returns the body to check. */
export type TokenResponseConformer = (body: Claims, status: number) => Claims

export type OAuthCheck = "state" | "pkce" | "nonce"

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "none"

/** The endpoints of a provider that publishes no discovery document. */
export interface OAuthEndpoints {
  readonly authorization: string
  readonly token: string
  readonly userinfo?: string
  /** RFC 7009; without it `revoke` does nothing. */
  readonly revocation?: string
  /** Needed to check ID tokens of an OpenID provider configured without discovery. */
  readonly jwks?: string
}

/** A private JWK (RSA, EC P-256/P-384/P-521 or Ed25519) for `private_key_jwt`; `kid` goes into the assertion. */
export interface PrivateKeyJwk {
  readonly kty: string
  readonly kid?: string
  readonly alg?: string
  readonly crv?: string
  readonly [parameter: string]: unknown
}

/**
 * One OAuth 2 or OpenID Connect provider: who it is to the domain (`id`, `name`, `type`, `trustEmail`),
 * how to reach it (`issuer` for discovery, or `endpoints`), our client there, and how its answers become
 * a Profile. Plain data and functions; the presets in `providers/` return these.
 */
export interface OAuthProviderOptions {
  /** A provider id like "github": the `/signin/:provider` and `/callback/:provider` path segment. */
  readonly id: string
  readonly name: string
  /** "oidc": ID token required and checked; "oauth": a plain OAuth 2 provider with a profile request. */
  readonly type: "oidc" | "oauth"
  /** See OAuthProviderConfig.trustEmail: only for providers whose verified addresses cannot change unverified. */
  readonly trustEmail: boolean
  readonly clientId: string
  readonly clientSecret?: Redacted.Redacted<string>
  /**
   * Defaults to `private_key_jwt` with `privateKeyJwk`, else `client_secret_basic` with `clientSecret`,
   * else `none` (a public client, which PKCE then protects).
   */
  readonly clientAuth?: ClientAuthMethod
  readonly privateKeyJwk?: PrivateKeyJwk
  /**
   * The issuer identifier. Alone, it is discovered (`/.well-known/openid-configuration`, or RFC 8414 for
   * "oauth"); with `endpoints`, it only names the issuer that ID tokens and the RFC 9207 `iss` parameter
   * must carry.
   */
  readonly issuer?: string
  /** Explicit endpoints for providers without discovery (GitHub, Discord, …). */
  readonly endpoints?: OAuthEndpoints
  /** Space-separated; defaults to "openid profile email" for "oidc" and to none for "oauth". */
  readonly scope?: string
  /** Defaults to state and PKCE, plus nonce for "oidc". Turn one off only for a provider that breaks on it. */
  readonly checks?: ReadonlyArray<OAuthCheck>
  /** Extra authorization request parameters (`prompt`, `access_type`, `claims`, …). */
  readonly authorizationParams?: Readonly<Record<string, string>>
  /** "form_post": the provider POSTs the callback (Apple); the HTTP layer hands the form fields over. */
  readonly responseMode?: "query" | "form_post"
  /** Defaults to the Auth.js profile: `sub ?? id`, `name ?? nickname ?? preferred_username`, `email`, `picture`. */
  readonly profile?: ProfileMapping
  /** Callback parameters kept for the mapping (Apple: ["user"]). Nothing else from the callback is kept. */
  readonly profileParams?: ReadonlyArray<string>
  /**
   * The profile request of a plain OAuth 2 provider when one GET of `endpoints.userinfo` is not enough
   * (GitHub: /user, then /user/emails for the primary address and whether it is verified).
   */
  readonly userinfoRequest?: (request: ProfileRequest) => Effect.Effect<Claims, ProviderUnavailable | ProviderResponseInvalid>
  /** Repairs a token response that breaks the spec before it is checked (Twitch sends `scope` as an array). */
  readonly conformTokenResponse?: TokenResponseConformer
  /** Bounds every request to this provider (default 10 000). */
  readonly timeoutMillis?: number
}

/** The provider as the domain's AuthConfig lists it; the configuration checks the id when it is resolved. */
export const providerConfig = (options: OAuthProviderOptions): OAuthProviderConfig => ({
  type: options.type,
  id: options.id as ProviderId,
  name: options.name,
  trustEmail: options.trustEmail,
  ...(options.responseMode === undefined ? {} : { responseMode: options.responseMode })
})
