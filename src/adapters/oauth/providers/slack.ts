import type { OAuthProviderOptions } from "../OAuthProviderOptions.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

/**
 * Sign in with Slack (OpenID Connect). State and nonce (Slack documents no PKCE for it). E-mails:
 * verified on `email_verified: true`. `sub` is the Slack user id, unique within its workspace.
 */
export const slack = (options: PresetOptions): OAuthProviderOptions =>
  withPreset({
    id: "slack",
    name: "Slack",
    type: "oidc",
    issuer: "https://slack.com",
    checks: ["state", "nonce"]
  }, options)
