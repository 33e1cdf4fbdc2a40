import type { OAuthProviderOptions } from "../OAuthProviderOptions.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

export interface GitLabOptions extends PresetOptions {
  /** A self-managed GitLab, e.g. "https://gitlab.example.com" (default gitlab.com). */
  readonly baseUrl?: string
}

/**
 * GitLab as an OpenID Provider (discovery at the instance's root), rather than Auth.js's OAuth 2 `/api/v4/user`,
 * because only the ID token says whether the address is confirmed. E-mails: verified on
 * `email_verified: true` (a confirmed primary address).
 */
export const gitlab = (options: GitLabOptions): OAuthProviderOptions => {
  const { baseUrl, ...rest } = options
  return withPreset({
    id: "gitlab",
    name: "GitLab",
    type: "oidc",
    issuer: (baseUrl ?? "https://gitlab.com").replace(/\/$/, "")
  }, rest)
}
