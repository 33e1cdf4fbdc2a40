import { Effect, Redacted } from "effect"
import type { HttpServerRequest } from "effect/http"
import { randomBytes } from "node:crypto"
import { equalSecrets } from "../../domain/equalSecrets.ts"
import { hmacSha256Hex } from "../../domain/hmacSha256.ts"
import { KeyStore } from "../../ports/KeyStore.ts"
import type { RequestContext } from "../request/requestContext.ts"

/**
 * Double-submit CSRF, as Auth.js does it (same cookie shape "token|hash", same 64-hex token, so its
 * client works unchanged), with the hash an HMAC under the KeyStore's `csrf` key.
 *
 * What that does and does not stop. Anyone can get a valid pair from `GET /csrf` in their own browser, so a
 * pair alone proves nothing about whose browser sends it: an attacker who plants his cookie in a victim's
 * browser (a sibling subdomain on plain http, where the `__Host-` prefix does not apply) knows its token.
 * Two things close that:
 * - the Origin / Fetch Metadata check (`sameOriginRequest`), which a cross-site page cannot forge — the
 *   protection for signed-out requests (sign-in) rests on it;
 * - once a browser is signed in, the HMAC also covers its session (a JWT's `jti`, a database session's
 *   hash): a pair minted in another browser, or before this sign-in, does not verify, so a planted or
 *   stolen pair cannot act on the victim's session (sign out, link, unlink, update).
 */
export interface CsrfState {
  /** The token for forms and for `GET /csrf`. */
  readonly token: string
  /** The cookie value to set, when the browser's cookie was missing or invalid. */
  readonly setCookie: string | null
}

// The session binding joins the token after a separator no token contains (tokens are hex).
const tagOf = (secret: Uint8Array, token: string, binding: string | null) =>
  hmacSha256Hex(secret, binding === null ? token : `${token}|${binding}`)

const tokenPattern = /^[0-9a-f]{64}$/

/**
 * Reads the browser's CSRF cookie; keeps its token when its tag verifies for this browser's session (or for
 * no session when signed out), else mints a new one bound to it.
 */
export const csrfState = Effect.fnUntraced(function*(cookie: string | undefined, binding: string | null) {
  const keys = yield* KeyStore.use((store) => store.verificationKeys("csrf"))
  const secrets = keys.flatMap((key) => (key._tag === "SecretKey" ? [Redacted.value(key.secret)] : []))
  if (cookie !== undefined) {
    const [token, tag] = cookie.split("|")
    if (token !== undefined && tag !== undefined && tokenPattern.test(token)) {
      for (const secret of secrets) {
        if (equalSecrets(yield* tagOf(secret, token, binding), tag)) return { token, setCookie: null } satisfies CsrfState
      }
    }
  }
  const token = randomBytes(32).toString("hex")
  const state: CsrfState = { token, setCookie: `${token}|${yield* tagOf(secrets[0]!, token, binding)}` }
  return state
})

/** The submitted token matches the (verified) cookie token. */
export const csrfTokenMatches = (state: CsrfState, submitted: string | undefined): boolean =>
  state.setCookie === null && submitted !== undefined && equalSecrets(state.token, submitted)

/**
 * A state-changing request must come from our own pages: the Origin header, when the browser sends one,
 * is ours; and Fetch Metadata, when present, does not say cross-site. Non-browser clients send neither and
 * are held to the token alone.
 */
export const sameOriginRequest = (request: HttpServerRequest.HttpServerRequest, context: RequestContext): boolean => {
  const origin = request.headers["origin"]
  const site = request.headers["sec-fetch-site"]
  // A page with a strict referrer policy makes browsers send `Origin: null` even to its own origin; Fetch
  // Metadata, which no page can forge, then tells a same-origin form from a sandboxed or data: one.
  if (origin === "null") return site === "same-origin"
  if (origin !== undefined && origin !== context.origin) return false
  return site === undefined || site === "same-origin" || site === "same-site" || site === "none"
}
