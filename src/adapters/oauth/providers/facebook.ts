import type { OAuthProviderOptions, ProfileMapping } from "../OAuthProviderOptions.ts"
import { idClaim, objectClaim, stringClaim } from "../profileClaims.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

export interface FacebookOptions extends PresetOptions {
  /** The Graph API version (default "v22.0"); Meta retires each about two years after its release. */
  readonly graphApiVersion?: string
}

/**
 * The Graph API returns an address only when Meta holds a valid one, but says nothing about whether
 * this person proved control of it, so it is never verified here.
 */
export const facebookProfile: ProfileMapping = (claims) => {
  const picture = objectClaim(objectClaim(claims, "picture") ?? {}, "data")
  return {
    id: idClaim(claims, "id") ?? "",
    name: stringClaim(claims, "name"),
    email: stringClaim(claims, "email"),
    emailVerified: false,
    image: picture === null ? null : stringClaim(picture, "url")
  }
}

/** Facebook Login (plain OAuth 2). E-mails: never verified. */
export const facebook = (options: FacebookOptions): OAuthProviderOptions => {
  const { graphApiVersion, ...rest } = options
  const version = graphApiVersion ?? "v22.0"
  return withPreset({
    id: "facebook",
    name: "Facebook",
    type: "oauth",
    endpoints: {
      authorization: `https://www.facebook.com/${version}/dialog/oauth`,
      token: `https://graph.facebook.com/${version}/oauth/access_token`,
      userinfo: `https://graph.facebook.com/${version}/me?fields=id,name,email,picture`
    },
    scope: "email public_profile",
    profile: facebookProfile
  }, rest)
}
