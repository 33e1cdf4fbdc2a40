import type { OAuthProviderOptions, ProfileMapping } from "../OAuthProviderOptions.ts"
import { idClaim, stringClaim } from "../profileClaims.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

export interface MicrosoftEntraIdOptions extends PresetOptions {
  /** A tenant id or domain, or "common" (any work, school or personal account; the default), "organizations", "consumers". */
  readonly tenant?: string
}

/**
 * Entra ID's `email` claim is whatever address a tenant admin typed in: no one verified it (the
 * "nOAuth" account takeovers). It is never verified here, and `preferred_username` (a UPN) is not used
 * as an address at all.
 */
export const entraIdProfile: ProfileMapping = (claims) => ({
  id: idClaim(claims, "sub") ?? "",
  name: stringClaim(claims, "name"),
  email: stringClaim(claims, "email"),
  emailVerified: false,
  image: null
})

/**
 * Microsoft Entra ID (OpenID Connect v2.0 endpoint of the tenant). E-mails: never verified. With a
 * multi-tenant issuer ("common", …) discovery names `{tenantid}`; openid-client checks each ID token
 * against its own tenant.
 */
export const microsoftEntraId = (options: MicrosoftEntraIdOptions): OAuthProviderOptions => {
  const { tenant, ...rest } = options
  return withPreset({
    id: "microsoft-entra-id",
    name: "Microsoft Entra ID",
    type: "oidc",
    issuer: `https://login.microsoftonline.com/${encodeURIComponent(tenant ?? "common")}/v2.0`,
    profile: entraIdProfile
  }, rest)
}
