import type { OAuthProviderOptions, ProfileMapping } from "../OAuthProviderOptions.ts"
import { defaultProfile, verifiedClaim } from "../profileClaims.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

/**
 * Identity platforms an application runs its own tenant on: the issuer is the tenant's, and whether an
 * address is verified is the tenant's configuration, which the `email_verified` claim reports.
 */
export interface TenantOptions extends PresetOptions {
  /** The tenant's issuer identifier, as its discovery document names it. */
  readonly issuer: string
}

const tenant = (id: string, name: string, profile?: ProfileMapping) => (options: TenantOptions): OAuthProviderOptions => {
  const { issuer, ...rest } = options
  return withPreset({ id, name, type: "oidc", issuer, ...(profile === undefined ? {} : { profile }) }, rest)
}

/** Auth0, issuer "https://<tenant>.<region>.auth0.com/". E-mails: verified on `email_verified: true`. */
export const auth0 = tenant("auth0", "Auth0")

/**
 * Okta, issuer "https://<org>.okta.com" or an authorization server ("…/oauth2/default"). E-mails:
 * verified on `email_verified: true`.
 */
export const okta = tenant("okta", "Okta")

/** Keycloak, issuer "https://<host>/realms/<realm>". E-mails: verified on `email_verified: true`. */
export const keycloak = tenant("keycloak", "Keycloak")

/** Cognito's userinfo sends `email_verified` as the string "true"; its ID token as a boolean. */
export const cognitoProfile: ProfileMapping = (claims, context) => {
  const profile = defaultProfile(claims, context)
  return { ...profile, emailVerified: profile.email !== null && verifiedClaim(claims) }
}

/**
 * Amazon Cognito user pools, issuer "https://cognito-idp.<region>.amazonaws.com/<userPoolId>".
 * E-mails: verified on `email_verified` (boolean or "true").
 */
export const cognito = tenant("cognito", "Cognito", cognitoProfile)
