import type { Effect } from "effect"
import type { ProviderId } from "./Account.ts"

/** What a callback or hook may return: a value, a promise of one, or an Effect. */
export type Awaitable<A> = A | PromiseLike<A> | Effect.Effect<A, unknown>

/**
 * An OAuth 2 or OpenID Connect provider as the domain sees it. How to talk to it (issuer, client,
 * endpoints, profile mapping) is the ProviderClient adapter's configuration.
 */
export interface OAuthProviderConfig {
  readonly type: "oauth" | "oidc"
  readonly id: ProviderId
  readonly name: string
  /**
   * Whether this provider's *verified* e-mail addresses may sign into an existing user who holds the
   * same address (Auth.js calls this `allowDangerousEmailAccountLinking`). Only set it for providers
   * that verify addresses and never let a user change one without re-verifying.
   */
  readonly trustEmail: boolean
  /**
   * "form_post" (Apple): the provider sends the browser back with a cross-site form POST, which carries
   * only cookies marked SameSite=None — so the flow's cookie must be one.
   */
  readonly responseMode?: "query" | "form_post"
}

export interface EmailProviderConfig {
  readonly type: "email"
  readonly id: ProviderId
  readonly name: string
  /** How long a magic link works, in seconds. */
  readonly maxAge: number
  /** From address of the magic-link mail. */
  readonly from: string
  /**
   * How many magic links one address may have pending (issued, not used, not expired); a new one deletes the
   * oldest beyond this. Default 3 (src/domain/pendingLinks.ts); a whole number, at least 1.
   */
  readonly maxPendingLinks?: number
  /**
   * When true, opening the link only shows a page that names the address, with one button; the token is
   * spent by that button's POST (CSRF-checked). Mail scanners that follow links then spend nothing, and a
   * link someone planted shows whose account it opens. Off by default, as in Auth.js (the link signs in).
   */
  readonly confirmByPost?: boolean
}

/** The user an `authorize` function vouches for. */
export interface CredentialsUser {
  /** The application's own, stable id for this user: the account's `providerAccountId`. */
  readonly id: string
  readonly name?: string | null
  readonly email?: string | null
  /** Only with `trustEmail` on the provider does a verified address link to an existing user. */
  readonly emailVerified?: boolean
  readonly image?: string | null
}

export interface CredentialsField {
  readonly label: string
  readonly type: "text" | "password" | "email"
}

export interface CredentialsProviderConfig {
  readonly type: "credentials"
  readonly id: ProviderId
  readonly name: string
  /** Form fields of the sign-in page, by name. */
  readonly fields: Readonly<Record<string, CredentialsField>>
  /** Checks the submitted credentials; null (or a failure) refuses the sign-in. */
  readonly authorize: (credentials: Readonly<Record<string, string>>) => Awaitable<CredentialsUser | null>
  readonly trustEmail: boolean
}

/**
 * Passkeys (WebAuthn), as Auth.js's experimental `Passkey` provider: register one while signed in, sign in with
 * one (discoverable credentials, so no name is typed). The relying party is the configured URL: its host is the
 * RP ID and its origin the only origin accepted.
 */
export interface PasskeyProviderConfig {
  readonly type: "webauthn"
  readonly id: ProviderId
  readonly name: string
  /** The name the browser shows in its passkey dialogs. Default: the provider's name. */
  readonly relyingPartyName?: string
  /** Seconds a challenge lives. Default 300. */
  readonly challengeMaxAge?: number
}

export type ProviderConfig = OAuthProviderConfig | EmailProviderConfig | CredentialsProviderConfig | PasskeyProviderConfig
