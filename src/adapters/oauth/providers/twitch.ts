import type { Claims, OAuthProviderOptions } from "../OAuthProviderOptions.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

/**
 * Twitch sends `scope` as an array, and refuses a refresh token with `{"error": "Bad Request",
 * "message": "Invalid refresh token"}`: both are put in RFC 6749 terms before the client reads them.
 */
export const conformTwitchTokenResponse = (body: Claims, status: number): Claims => {
  if (status === 200) {
    const { scope, ...rest } = body
    if (Array.isArray(scope)) return { ...rest, scope: scope.filter((s) => typeof s === "string").join(" ") }
    return typeof scope === "string" || scope === undefined ? body : rest
  }
  const message = typeof body["message"] === "string" ? body["message"] : ""
  return /invalid (refresh token|authorization code)/i.test(message)
    ? { error: "invalid_grant" }
    : typeof body["error"] === "string" && /^[a-z_]+$/.test(body["error"])
    ? body
    : { error: "invalid_request" }
}

/**
 * Twitch (OpenID Connect). The ID token carries e-mail and picture only when asked for through the
 * `claims` parameter. Client authentication in the body; state and nonce. E-mails: verified on
 * `email_verified: true`.
 */
export const twitch = (options: PresetOptions): OAuthProviderOptions =>
  withPreset({
    id: "twitch",
    name: "Twitch",
    type: "oidc",
    issuer: "https://id.twitch.tv/oauth2",
    scope: "openid user:read:email",
    clientAuth: "client_secret_post",
    checks: ["state", "nonce"],
    authorizationParams: {
      claims: JSON.stringify({
        id_token: { email: null, email_verified: null, picture: null, preferred_username: null },
        userinfo: { email: null, email_verified: null, picture: null, preferred_username: null }
      })
    },
    conformTokenResponse: conformTwitchTokenResponse
  }, options)
