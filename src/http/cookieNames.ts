import type { ResolvedHttpOptions } from "./HttpOptions.ts"

export interface CookieNames {
  readonly session: string
  readonly callbackUrl: string
  readonly csrf: string
  /** The sealed OAuth state/PKCE/nonce of a flow in progress (Auth.js uses three cookies; one is enough). */
  readonly oauth: string
}

/**
 * Auth.js's names by default (prefix "authjs"), so sessions and habits carry over: `__Secure-` on https,
 * and `__Host-` for the CSRF cookie, which browsers then refuse to accept from a subdomain.
 */
export const cookieNames = (options: ResolvedHttpOptions, secure: boolean): CookieNames => {
  const p = secure ? "__Secure-" : ""
  const prefix = options.cookiePrefix
  return {
    session: `${p}${prefix}.session-token`,
    callbackUrl: `${p}${prefix}.callback-url`,
    csrf: `${secure ? "__Host-" : ""}${prefix}.csrf-token`,
    oauth: `${p}${prefix}.oauth-checks`
  }
}
