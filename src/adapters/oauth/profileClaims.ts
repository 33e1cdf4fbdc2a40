import type { Claims, ProfileMapping } from "./OAuthProviderOptions.ts"

/** A non-empty string claim, or null: providers send "" and null for "not set" alike. */
export const stringClaim = (claims: Claims, name: string): string | null => {
  const value = claims[name]
  return typeof value === "string" && value !== "" ? value : null
}

/** An account id: a string, or an integer (GitHub and Discord send numbers) as its decimal string. */
export const idClaim = (claims: Claims, name: string): string | null => {
  const value = claims[name]
  if (typeof value === "string" && value !== "") return value
  return typeof value === "number" && Number.isSafeInteger(value) ? String(value) : null
}

export const objectClaim = (claims: Claims, name: string): Claims | null => {
  const value = claims[name]
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Claims) : null
}

export const arrayClaim = (claims: Claims, name: string): ReadonlyArray<unknown> => {
  const value = claims[name]
  return Array.isArray(value) ? value : []
}

/**
 * OpenID Connect's `email_verified` is a boolean; a few providers (Apple, Cognito's userinfo) send the
 * string "true". Anything else, absent included, is not a promise that the address was verified.
 */
export const verifiedClaim = (claims: Claims, name = "email_verified"): boolean => {
  const value = claims[name]
  return value === true || value === "true"
}

/**
 * Auth.js's default profile (`sub ?? id`, `name ?? nickname ?? preferred_username`, `email`, `picture`),
 * with the e-mail verified only on the provider's strict `email_verified: true`.
 */
export const defaultProfile: ProfileMapping = (claims) => {
  const email = stringClaim(claims, "email")
  return {
    id: idClaim(claims, "sub") ?? idClaim(claims, "id") ?? "",
    name: stringClaim(claims, "name") ?? stringClaim(claims, "nickname") ?? stringClaim(claims, "preferred_username"),
    email,
    emailVerified: email !== null && claims["email_verified"] === true,
    image: stringClaim(claims, "picture")
  }
}
