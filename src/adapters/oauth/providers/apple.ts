import type { Claims, OAuthProviderOptions, ProfileMapping } from "../OAuthProviderOptions.ts"
import { idClaim, objectClaim, stringClaim, verifiedClaim } from "../profileClaims.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

const parseUser = (value: string | undefined): Claims | null => {
  if (value === undefined) return null
  try {
    const parsed: unknown = JSON.parse(value)
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Claims) : null
  } catch {
    return null
  }
}

/**
 * Apple sends the person's name once, on the first sign-in, as the `user` form field of its form_post
 * callback (`{"name": {"firstName", "lastName"}, "email"}`), never in the ID token. Later sign-ins have
 * no name. The address comes from the ID token (possibly a private relay address, which Apple
 * verified too).
 */
export const appleProfile: ProfileMapping = (claims, { params }) => {
  const name = objectClaim(parseUser(params["user"]) ?? {}, "name")
  const fullName = name === null
    ? ""
    : [stringClaim(name, "firstName"), stringClaim(name, "lastName")].filter((part) => part !== null).join(" ")
  const email = stringClaim(claims, "email")
  return {
    id: idClaim(claims, "sub") ?? "",
    name: fullName === "" ? null : fullName,
    email,
    emailVerified: email !== null && verifiedClaim(claims),
    image: null
  }
}

/**
 * Sign in with Apple (OpenID Connect, discovery at appleid.apple.com, no userinfo endpoint). The client
 * secret is a JWT the application signs with its Apple key (at most six months valid). Callback:
 * `response_mode=form_post`. Checks: state and nonce (Apple documents no PKCE). E-mails: verified on
 * `email_verified` ("true" as a string in older tokens).
 */
export const apple = (options: PresetOptions): OAuthProviderOptions =>
  withPreset({
    id: "apple",
    name: "Apple",
    type: "oidc",
    issuer: "https://appleid.apple.com",
    scope: "openid name email",
    responseMode: "form_post",
    clientAuth: "client_secret_post",
    checks: ["state", "nonce"],
    profileParams: ["user"],
    profile: appleProfile
  }, options)
