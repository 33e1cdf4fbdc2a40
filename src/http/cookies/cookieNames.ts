import type { ResolvedHttpOptions } from "../HttpOptions.ts"

export interface CookieNames {
  readonly session: string
  readonly callbackUrl: string
  readonly csrf: string
  /** The sealed OAuth state/PKCE/nonce of a flow in progress (Auth.js uses three cookies; one is enough). */
  readonly oauth: string
  /** The flow id of a passkey ceremony in progress (its challenge is in the Ledger), as Auth.js's `authjs.challenge`. */
  readonly challenge: string
  /** The sealed pending sign-in, between the first and the second factor (5 minutes). */
  readonly twoFactor: string
  /** The sealed "trust this device" of two-factor sign-in. */
  readonly trustedDevice: string
}

/**
 * Auth.js's names by default (prefix "authjs"), so sessions and habits carry over: `__Secure-` on https,
 * and `__Host-` for the CSRF and OAuth flow cookies, which browsers then refuse to accept from a subdomain
 * (a sibling subdomain can set a `__Secure-` cookie for the parent domain, and so plant a flow of its own
 * with its code in a victim's browser). Auth.js names its flow cookies `__Secure-`; a flow lasts minutes, so
 * the new name strands nothing.
 */
export const cookieNames = (options: ResolvedHttpOptions, secure: boolean): CookieNames => {
  const p = secure ? "__Secure-" : ""
  const prefix = options.cookiePrefix
  return {
    session: `${p}${prefix}.session-token`,
    callbackUrl: `${p}${prefix}.callback-url`,
    csrf: `${secure ? "__Host-" : ""}${prefix}.csrf-token`,
    oauth: `${secure ? "__Host-" : ""}${prefix}.oauth-checks`,
    challenge: `${secure ? "__Host-" : ""}${prefix}.challenge`,
    twoFactor: `${secure ? "__Host-" : ""}${prefix}.two-factor`,
    trustedDevice: `${secure ? "__Host-" : ""}${prefix}.trusted-device`
  }
}
