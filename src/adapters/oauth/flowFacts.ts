import type { TokenSet } from "../../domain/Account.ts"
import type { Claims } from "./OAuthProviderOptions.ts"

/**
 * What a callback learned that `profile` needs and a TokenSet cannot carry: the ID-token claims
 * openid-client validated, and the callback parameters a preset keeps (Apple's `user`).
 */
export interface FlowFacts {
  readonly claims: Claims | undefined
  readonly params: Readonly<Record<string, string>>
}

/**
 * Keyed by the very TokenSet object `callback` returned, which the sign-in hands straight to `profile`:
 * nothing outlives that object, nothing is shared between nodes, and tokens from anywhere else (a stored
 * account) find nothing here, so their ID token is never trusted without its checks.
 */
export type FlowMemory = WeakMap<TokenSet, FlowFacts>
