import type { OAuthProviderOptions } from "../OAuthProviderOptions.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

/**
 * LinkedIn (OpenID Connect, "Sign In with LinkedIn using OpenID Connect"). Client authentication in the
 * body; state only, as LinkedIn supports neither PKCE nor nonce for web apps (as in Auth.js). E-mails:
 * verified on `email_verified: true`.
 */
export const linkedin = (options: PresetOptions): OAuthProviderOptions =>
  withPreset({
    id: "linkedin",
    name: "LinkedIn",
    type: "oidc",
    issuer: "https://www.linkedin.com/oauth",
    clientAuth: "client_secret_post",
    checks: ["state"]
  }, options)
