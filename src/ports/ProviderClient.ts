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
 * Contract (each sentence has a conformance test in test/conformance/ProviderClient.ts):
 * - `authorize` builds the authorization URL with a fresh `state`, the PKCE S256 challenge of a fresh code
 *   verifier and (OIDC) a fresh `nonce`, each of 256 bits or more, and returns them as the checks to keep.
 * - The caller's `params` go into the URL but replace none of the flow's protection or its redirect URI.
 * - `callback` with the provider's answer and the kept checks exchanges the code and answers the tokens and the
 *   profile of the person who signed in, mapped: the validated ID-token claims and the callback's own fields
 *   (Apple's `user`) exist only now, so the profile is part of the answer.
 * - `callback` refuses with `ProviderCheckFailed` naming the check: a wrong or missing `state` (an error answer
 *   included); a wrong PKCE verifier (a code from another flow included); (OIDC) a wrong or missing nonce; a code
 *   that is missing, replayed, or presented with another redirect URI.
 * - `callback` for a person who refused at the provider fails with `ProviderDenied` carrying the provider's code.
 * - `profile` asks the provider again with an access token and maps the same profile, for tokens stored
 *   earlier; it never trusts an ID token it did not just validate. An access token the provider refuses fails
 *   with `ProviderResponseInvalid`.
 * - `refresh` spends a refresh token for new tokens; the answer may carry a rotated refresh token, after which
 *   the spent one fails with `InvalidGrant`, as does one the provider does not know.
 * - `revoke` revokes a token where the provider offers revocation, and otherwise does nothing; revoking a
 *   token that is gone is no error.
 * - A provider id that is not configured fails every operation with `UnknownProvider`.
 * - While the provider cannot be reached, every operation that must ask it fails with `ProviderUnavailable`,
 *   never a defect, and works again once it is back; `authorize` may answer from what it already knows.
 * - Errors carry no token, code, state, verifier or address.
 *
 * An OpenID Connect adapter also checks the ID token's signature, `iss`, `aud` and `exp` and the RFC 9207 `iss`
 * parameter (`idToken`, `issuer`); only a provider that signs can be made to break those, so they are tested with
 * the adapter (test/adapters/oauth/OpenIdProviderClient.test.ts), not in the suite.
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
