import { Effect } from "effect"
import { ProviderResponseInvalid } from "../../../ports/ProviderClient.ts"
import type { Claims, OAuthProviderOptions, ProfileMapping } from "../OAuthProviderOptions.ts"
import { arrayClaim, idClaim, stringClaim } from "../profileClaims.ts"
import { type PresetOptions, withPreset } from "./presetOptions.ts"

export interface GitHubOptions extends PresetOptions {
  /** GitHub Enterprise Server, e.g. "https://github.example.com"; the API is then under /api/v3. */
  readonly enterpriseUrl?: string
}

const isObject = (value: unknown): value is Claims => typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * `/user` carries only the public e-mail, and says nothing about verification; `/user/emails` (scope
 * `user:email`) lists every address with `primary` and `verified`. Without that scope the list is
 * refused and the profile keeps the public address, unverified.
 */
const githubUserinfo = (apiUrl: string): NonNullable<OAuthProviderOptions["userinfoRequest"]> => ({ get, provider }) =>
  Effect.gen(function*() {
    const headers = { accept: "application/vnd.github+json" }
    const user = yield* get(`${apiUrl}/user`, headers)
    if (!isObject(user)) {
      return yield* new ProviderResponseInvalid({ provider, message: "the /user answer is not a JSON object" })
    }
    const emails = yield* get(`${apiUrl}/user/emails`, headers).pipe(
      Effect.catchTag("ProviderResponseInvalid", () => Effect.succeed([]))
    )
    return { ...user, emails: Array.isArray(emails) ? emails : [] }
  })

/**
 * Auth.js's choice of address (the public one, else the primary one), so users keep matching their
 * Auth.js records; verified only if the address list says so for that very address.
 */
export const githubProfile: ProfileMapping = (claims) => {
  const emails = arrayClaim(claims, "emails").filter(isObject)
  const publicEmail = stringClaim(claims, "email")
  const entry = publicEmail === null
    ? emails.find((e) => e["primary"] === true && typeof e["email"] === "string")
    : emails.find((e) => e["email"] === publicEmail)
  const email = publicEmail ?? (entry === undefined ? null : stringClaim(entry, "email"))
  return {
    id: idClaim(claims, "id") ?? "",
    name: stringClaim(claims, "name") ?? stringClaim(claims, "login"),
    email,
    emailVerified: email !== null && entry?.["verified"] === true,
    image: stringClaim(claims, "avatar_url")
  }
}

/**
 * GitHub (plain OAuth 2, no discovery, no RFC 7009 revocation). E-mails: verified per address through
 * `/user/emails` (see githubProfile). GitHub answers a used code with `200 {"error": …}`, which the
 * client reads as the refusal it is.
 */
export const github = (options: GitHubOptions): OAuthProviderOptions => {
  const { enterpriseUrl, ...rest } = options
  const base = (enterpriseUrl ?? "https://github.com").replace(/\/$/, "")
  const apiUrl = enterpriseUrl === undefined ? "https://api.github.com" : `${base}/api/v3`
  return withPreset({
    id: "github",
    name: "GitHub",
    type: "oauth",
    endpoints: {
      authorization: `${base}/login/oauth/authorize`,
      token: `${base}/login/oauth/access_token`,
      userinfo: `${apiUrl}/user`
    },
    scope: "read:user user:email",
    userinfoRequest: githubUserinfo(apiUrl),
    profile: githubProfile
  }, rest)
}
