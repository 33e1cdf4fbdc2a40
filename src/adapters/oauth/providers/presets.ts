import type { OAuthProviderOptions } from "../OAuthProviderOptions.ts"
import { apple } from "./apple.ts"
import { discord } from "./discord.ts"
import { facebook } from "./facebook.ts"
import { github } from "./github.ts"
import { gitlab } from "./gitlab.ts"
import { google } from "./google.ts"
import { auth0, cognito, keycloak, okta } from "./identityPlatforms.ts"
import { linkedin } from "./linkedin.ts"
import { microsoftEntraId } from "./microsoftEntraId.ts"
import { slack } from "./slack.ts"
import { spotify } from "./spotify.ts"
import { twitch } from "./twitch.ts"

export { apple, auth0, cognito, discord, facebook, github, gitlab, google, keycloak, linkedin, microsoftEntraId, okta, slack, spotify, twitch }

/**
 * What the linking rules may rely on: "claim" — verified when the provider's claim or flag says so for
 * this address; "never" — the provider does not vouch for addresses, so they never link by e-mail.
 */
export type EmailVerification = "claim" | "never"

export interface PresetInfo {
  readonly id: string
  readonly name: string
  readonly type: "oidc" | "oauth"
  readonly emailVerification: EmailVerification
  /** Where the verification comes from, for the docs. */
  readonly emailNote: string
  /** Options a preset needs besides clientId (and clientSecret). */
  readonly requires: ReadonlyArray<string>
  // `never` accepts every preset's own options type: the list is for reading, not for calling generically.
  readonly make: (options: never) => OAuthProviderOptions
}

/** Every built-in preset, for documentation and `GET /providers`-style listings. */
export const presets: ReadonlyArray<PresetInfo> = [
  { id: "google", name: "Google", type: "oidc", emailVerification: "claim", emailNote: "email_verified", requires: [], make: google },
  {
    id: "github",
    name: "GitHub",
    type: "oauth",
    emailVerification: "claim",
    emailNote: "`verified` of the address in /user/emails (scope user:email)",
    requires: [],
    make: github
  },
  { id: "gitlab", name: "GitLab", type: "oidc", emailVerification: "claim", emailNote: "email_verified", requires: [], make: gitlab },
  {
    id: "microsoft-entra-id",
    name: "Microsoft Entra ID",
    type: "oidc",
    emailVerification: "never",
    emailNote: "the email claim is set by tenant admins and unverified",
    requires: [],
    make: microsoftEntraId
  },
  {
    id: "apple",
    name: "Apple",
    type: "oidc",
    emailVerification: "claim",
    emailNote: "email_verified (boolean or \"true\")",
    requires: ["clientSecret (a JWT signed with the Apple key)"],
    make: apple
  },
  { id: "discord", name: "Discord", type: "oauth", emailVerification: "claim", emailNote: "verified", requires: [], make: discord },
  {
    id: "facebook",
    name: "Facebook",
    type: "oauth",
    emailVerification: "never",
    emailNote: "the Graph API does not say",
    requires: [],
    make: facebook
  },
  { id: "linkedin", name: "LinkedIn", type: "oidc", emailVerification: "claim", emailNote: "email_verified", requires: [], make: linkedin },
  { id: "slack", name: "Slack", type: "oidc", emailVerification: "claim", emailNote: "email_verified", requires: [], make: slack },
  { id: "twitch", name: "Twitch", type: "oidc", emailVerification: "claim", emailNote: "email_verified", requires: [], make: twitch },
  {
    id: "spotify",
    name: "Spotify",
    type: "oauth",
    emailVerification: "never",
    emailNote: "documented as unverified",
    requires: [],
    make: spotify
  },
  { id: "auth0", name: "Auth0", type: "oidc", emailVerification: "claim", emailNote: "email_verified", requires: ["issuer"], make: auth0 },
  { id: "okta", name: "Okta", type: "oidc", emailVerification: "claim", emailNote: "email_verified", requires: ["issuer"], make: okta },
  {
    id: "keycloak",
    name: "Keycloak",
    type: "oidc",
    emailVerification: "claim",
    emailNote: "email_verified",
    requires: ["issuer"],
    make: keycloak
  },
  {
    id: "cognito",
    name: "Cognito",
    type: "oidc",
    emailVerification: "claim",
    emailNote: "email_verified (boolean or \"true\")",
    requires: ["issuer"],
    make: cognito
  }
]
