import type { Claims, OAuthProviderOptions, ProfileMapping } from "../OAuthProviderOptions.ts"
import { arrayClaim, idClaim, stringClaim } from "../profileClaims.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

/** Spotify's own documentation: "This email address is unverified". */
export const spotifyProfile: ProfileMapping = (claims) => {
  const image = arrayClaim(claims, "images").find((i): i is Claims => typeof i === "object" && i !== null)
  return {
    id: idClaim(claims, "id") ?? "",
    name: stringClaim(claims, "display_name"),
    email: stringClaim(claims, "email"),
    emailVerified: false,
    image: image === undefined ? null : stringClaim(image, "url")
  }
}

/** Spotify (plain OAuth 2). E-mails: never verified. */
export const spotify = (options: PresetOptions): OAuthProviderOptions =>
  withPreset({
    id: "spotify",
    name: "Spotify",
    type: "oauth",
    endpoints: {
      authorization: "https://accounts.spotify.com/authorize",
      token: "https://accounts.spotify.com/api/token",
      userinfo: "https://api.spotify.com/v1/me"
    },
    scope: "user-read-email",
    profile: spotifyProfile
  }, options)
