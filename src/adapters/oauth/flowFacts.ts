import type { Claims } from "./OAuthProviderOptions.ts"

/**
 * What a callback learned that `profile` needs and a TokenSet cannot carry: the ID-token claims
 * openid-client validated, and the callback parameters a preset keeps (Apple's `user`).
 */
export interface FlowFacts {
  readonly claims: Claims | undefined
  readonly params: Readonly<Record<string, string>>
}

