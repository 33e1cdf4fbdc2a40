import type { OAuthProviderOptions, ProfileMapping } from "../OAuthProviderOptions.ts"
import { idClaim, stringClaim } from "../profileClaims.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

const avatarUrl = (id: string, avatar: string | null, discriminator: string | null): string => {
  if (avatar !== null) {
    return `https://cdn.discordapp.com/avatars/${id}/${avatar}.${avatar.startsWith("a_") ? "gif" : "png"}`
  }
  // Discord's default avatars: by id for the new usernames (discriminator "0"), by discriminator for the old.
  const index = discriminator === null || discriminator === "0"
    ? /^\d+$/.test(id) ? Number((BigInt(id) >> 22n) % 6n) : 0
    : Number.parseInt(discriminator, 10) % 5
  return `https://cdn.discordapp.com/embed/avatars/${Number.isNaN(index) ? 0 : index}.png`
}

/** Discord says whether the account's address is verified in `verified`. */
export const discordProfile: ProfileMapping = (claims) => {
  const id = idClaim(claims, "id") ?? ""
  const email = stringClaim(claims, "email")
  return {
    id,
    name: stringClaim(claims, "global_name") ?? stringClaim(claims, "username"),
    email,
    emailVerified: email !== null && claims["verified"] === true,
    image: id === "" ? null : avatarUrl(id, stringClaim(claims, "avatar"), stringClaim(claims, "discriminator"))
  }
}

/** Discord (plain OAuth 2, RFC 7009 revocation). E-mails: verified on `verified: true`. */
export const discord = (options: PresetOptions): OAuthProviderOptions =>
  withPreset({
    id: "discord",
    name: "Discord",
    type: "oauth",
    endpoints: {
      authorization: "https://discord.com/oauth2/authorize",
      token: "https://discord.com/api/oauth2/token",
      userinfo: "https://discord.com/api/users/@me",
      revocation: "https://discord.com/api/oauth2/token/revoke"
    },
    scope: "identify email",
    profile: discordProfile
  }, options)
