import { Context, type Effect, type Redacted, Schema } from "effect"
import type { ProviderId, TokenSet } from "../domain/Account.ts"
import type { Profile } from "../domain/Profile.ts"

/**
 * The single-use values that tie a callback to the browser that started the flow. The domain keeps
 * them (the HTTP layer in an encrypted, short-lived cookie) and hands them back on the callback.
 */
export interface AuthorizationChecks {
  readonly state: string
  /** PKCE (RFC 7636) code verifier; its S256 challenge went into the authorization URL. */
  readonly codeVerifier: string
  /** OpenID Connect nonce; null for plain OAuth 2 providers. */
  readonly nonce: string | null
}

export interface AuthorizationRequest {
  readonly url: string
  readonly checks: AuthorizationChecks
}

/** What a completed callback proved: the tokens, and who signed in (from the checked ID token and userinfo). */
export interface ProviderSignIn {
  readonly tokens: TokenSet
  readonly profile: Profile
}

export interface CallbackInput {
  readonly redirectUri: string
  /** The callback's parameters: the query, or the form body for `response_mode=form_post`. */
  readonly params: Readonly<Record<string, string>>
  readonly checks: AuthorizationChecks
}

/** No provider with this id is configured. */
export class UnknownProvider extends Schema.TaggedError<UnknownProvider>()("UnknownProvider", {
  provider: Schema.String
}) {}

/** The provider answered the authorization with an error (`access_denied`, …) instead of a code. */
export class ProviderDenied extends Schema.TaggedError<ProviderDenied>()("ProviderDenied", {
  provider: Schema.String,
  error: Schema.String
}) {}

/** A state, PKCE, nonce, issuer or ID-token check failed: the callback is not the one we started. */
export class ProviderCheckFailed extends Schema.TaggedError<ProviderCheckFailed>()("ProviderCheckFailed", {
  provider: Schema.String,
  check: Schema.Literals(["state", "pkce", "nonce", "issuer", "idToken", "code"])
}) {}

/** The provider could not be reached, timed out, or failed on its side. */
export class ProviderUnavailable extends Schema.TaggedError<ProviderUnavailable>()("ProviderUnavailable", {
  provider: Schema.String,
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/** The provider answered something we cannot use (malformed JSON, a profile without an id, …). */
export class ProviderResponseInvalid extends Schema.TaggedError<ProviderResponseInvalid>()("ProviderResponseInvalid", {
  provider: Schema.String,
  message: Schema.String
}) {}

/** The provider refused the refresh token (RFC 6749 §5.2 `invalid_grant`): only a new sign-in helps. */
export class InvalidGrant extends Schema.TaggedError<InvalidGrant>()("InvalidGrant", {
  provider: Schema.String
}) {}

/**
 * One OAuth 2 / OpenID Connect client per configured provider, addressed by provider id.
 *
 * - `authorize` builds the authorization URL with fresh `state`, a PKCE S256 challenge and (OIDC) a
 *   `nonce`, and returns the checks to keep.
 * - `callback` verifies the checks, exchanges the code, validates what came back (ID token signature,
 *   `iss`, `aud`, `exp`, `nonce`) and maps the person's profile — the validated ID-token claims and the
 *   callback's own fields (Apple's `user`) exist only now, so the profile is part of the answer.
 * - `profile` asks the provider again with an access token (userinfo, or the preset's profile request),
 *   for tokens stored earlier; it never trusts an ID token it did not just validate.
 * - `refresh` spends a refresh token; the answer may carry a rotated refresh token.
 * - `revoke` revokes a token where the provider offers revocation, and otherwise does nothing.
 */
export class ProviderClient extends Context.Service<ProviderClient, {
  readonly authorize: (
    provider: ProviderId,
    options: { readonly redirectUri: string; readonly params?: Readonly<Record<string, string>> }
  ) => Effect.Effect<AuthorizationRequest, UnknownProvider | ProviderUnavailable>
  readonly callback: (
    provider: ProviderId,
    input: CallbackInput
  ) => Effect.Effect<
    ProviderSignIn,
    UnknownProvider | ProviderDenied | ProviderCheckFailed | ProviderUnavailable | ProviderResponseInvalid
  >
  readonly profile: (
    provider: ProviderId,
    tokens: TokenSet
  ) => Effect.Effect<Profile, UnknownProvider | ProviderUnavailable | ProviderResponseInvalid>
  readonly refresh: (
    provider: ProviderId,
    refreshToken: Redacted.Redacted<string>
  ) => Effect.Effect<TokenSet, UnknownProvider | InvalidGrant | ProviderUnavailable | ProviderResponseInvalid>
  readonly revoke: (
    provider: ProviderId,
    token: Redacted.Redacted<string>
  ) => Effect.Effect<void, UnknownProvider | ProviderUnavailable>
}>()("authfx/ProviderClient") {}
