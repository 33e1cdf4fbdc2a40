import { Clock, Context, Effect, Exit, Option } from "effect"
import { Cookies } from "effect/http"
import { AuthConfig } from "../../domain/AuthConfig.ts"
import { judgeJwtSession, tokenIdentity } from "../../domain/jwtSession.ts"
import { revocationKeysOf } from "../../domain/revocation.ts"
import type { JwtClaims, SessionView } from "../../domain/Session.ts"
import { jwtView } from "../../domain/sessionView.ts"
import { addressRuleFor } from "../../domain/rateLimit/rateLimitRules.ts"
import { RateLimits } from "../../domain/rateLimit/RateLimits.ts"
import { Ledger } from "../../ports/Ledger.ts"
import { TokenCodec } from "../../ports/TokenCodec.ts"
import { cookieNames } from "../cookies/cookieNames.ts"
import { presentChunks, readChunked } from "../cookies/sessionCookieChunks.ts"
import { HttpOptions } from "../HttpOptions.ts"
import { jsonHeaders } from "../routes/authResponse.ts"
import { VerifiedTokens } from "./VerifiedTokens.ts"

export interface FastAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * `GET /session` runs on every request of an application, and the router in front of it costs as much as
 * everything else together. This answers the common case before the router, synchronously, by the same
 * steps as the route: the Cookie header parsed as effect/http parses it and the session cookie read as
 * `currentSession` reads it (sessionCookieChunks.ts), the same decision (`judgeJwtSession` over the ledger's
 * revocation entries, at the Clock's now), the same view (`jwtView`) and the same headers (`jsonHeaders`).
 * Whatever the route would do more — renew the cookie, clear a bad one, run a callback, wait on a store — it
 * leaves to the route by answering undefined / null.
 *
 * Built only when the configuration cannot make a difference (JWT sessions, no jwt/session callback or
 * session event, no rate limit on `/session`) and the ledger answers synchronously (its layer provides `sync`: memory, SQLite). Tokens
 * not verified within the last minute open here too when the codec says it opens synchronously.
 */
export const makeSessionFastPath = Effect.gen(function*() {
  const context = yield* Effect.context<AuthConfig | HttpOptions | VerifiedTokens | Ledger | TokenCodec>()
  const config = Context.get(context, AuthConfig)
  const options = Context.get(context, HttpOptions)
  const sync = Context.get(context, Ledger).sync
  const eligible = options.fastSessionPath && config.session.strategy === "jwt" &&
    config.callbacks.jwt === undefined && config.callbacks.session === undefined && config.events.session === undefined
  // A rate limit configured on GET /session is counted by the route: the fast path would skip it.
  const limited = Option.match(yield* Effect.serviceOption(RateLimits), {
    onNone: () => false,
    onSome: (limits) => addressRuleFor(limits, "GET", "/session") !== null
  })
  if (!eligible || limited || Option.isNone(sync) || options.url === null) return null
  const reads = sync.value
  const clock = yield* Clock.Clock
  const opensSynchronously = Context.get(context, TokenCodec).opensSynchronously

  const secure = options.secureCookies ?? options.url.protocol === "https:"
  const name = cookieNames(options, secure).session
  const path = `${options.basePath}/session`
  const signedOut: FastAnswer = { status: 200, headers: jsonHeaders(options.signedOutSession), body: options.signedOutSession }
  const tokens = Context.get(context, VerifiedTokens)
  const updateAge = config.session.updateAge
  // A verified token's claims object is the same on every hit, so its answer is rendered once.
  const bodies = new WeakMap<JwtClaims, string>()

  /** Verified claims of a current session; undefined whenever the route must decide. */
  const currentClaims = (token: string): JwtClaims | undefined => {
    const now = clock.currentTimeMillisUnsafe()
    let claims = tokens.peek(token, now)
    if (claims === undefined) {
      if (!opensSynchronously) return undefined
      const opened = Effect.runSyncExit(tokens.open(token))
      if (Exit.isFailure(opened)) return undefined
      claims = opened.value
    }
    try {
      const revocations = reads.get(revocationKeysOf(tokenIdentity(claims)), now)
      return judgeJwtSession(claims, revocations, now, updateAge) === "current" ? claims : undefined
    } catch {
      // A store that cannot answer here answers on the route (503), not by guessing.
      return undefined
    }
  }

  /** The session token of a Cookie header: null when there is none, undefined when the route has cookies to clear. */
  const tokenOf = (cookieHeader: string | undefined): string | null | undefined => {
    const cookies = Cookies.parseHeader(cookieHeader ?? "")
    const token = readChunked(cookies, name)
    return token === null && presentChunks(cookies, name).length > 0 ? undefined : token
  }

  /** The session view for a Cookie header: null when signed out, undefined when the route must decide. */
  const view = (cookieHeader: string | undefined): SessionView | null | undefined => {
    const token = tokenOf(cookieHeader)
    if (token === undefined || token === null) return token
    const claims = currentClaims(token)
    return claims === undefined ? undefined : jwtView(claims, new Date(claims.exp * 1000))
  }

  const answer = (method: string | undefined, url: string | undefined, cookieHeader: string | undefined): FastAnswer | null => {
    if (method !== "GET" || url === undefined) return null
    const query = url.indexOf("?")
    if ((query < 0 ? url : url.slice(0, query)) !== path) return null
    const token = tokenOf(cookieHeader)
    if (token === undefined) return null
    if (token === null) return signedOut
    const claims = currentClaims(token)
    if (claims === undefined) return null
    let body = bodies.get(claims)
    if (body === undefined) {
      body = JSON.stringify(jwtView(claims, new Date(claims.exp * 1000)))
      bodies.set(claims, body)
    }
    return { status: 200, headers: jsonHeaders(body), body }
  }
  return { view, answer }
})

export type SessionFastPath = NonNullable<Effect.Success<typeof makeSessionFastPath>>
