import type { OAuthProviderOptions } from "../OAuthProviderOptions.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

/**
 * Google (OpenID Connect, discovery at accounts.google.com). E-mails: verified when the ID token says
 * `email_verified: true`, which Google sets for Gmail and for Workspace addresses; a consumer account
 * registered with another provider's address may carry `false`, and the default mapping keeps that.
 * Revocation: from discovery. A refresh token comes only with `authorizationParams: { access_type:
 * "offline", prompt: "consent" }`.
 */
export const google = (options: PresetOptions): OAuthProviderOptions =>
  withPreset({ id: "google", name: "Google", type: "oidc", issuer: "https://accounts.google.com" }, options)
