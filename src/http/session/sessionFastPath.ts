import { Clock, Context, Effect, Exit, Metric, Option, Redacted } from "effect"
import { Digest } from "effect/crypto"
import { Cookies } from "effect/http"
import { AuthConfig } from "../../domain/AuthConfig.ts"
import { judgeDatabaseSession } from "../../domain/databaseSession.ts"
import { judgeJwtSession, tokenIdentity } from "../../domain/jwtSession.ts"
import { revocationKeysOf } from "../../domain/revocation.ts"
import { sessionCheckHits } from "../../domain/telemetry.ts"
import type { JwtClaims, SessionView } from "../../domain/Session.ts"
import { hashToken } from "../../domain/secretToken.ts"
import { defaultView, jwtView } from "../../domain/sessionView.ts"
import { addressRuleFor } from "../../domain/rateLimit/rateLimitRules.ts"
import { RateLimits } from "../../domain/rateLimit/RateLimits.ts"
import { Ledger } from "../../ports/Ledger.ts"
import { TokenCodec } from "../../ports/TokenCodec.ts"
import { type SessionAndUser, Users } from "../../ports/Users.ts"
import { cookieNames } from "../cookies/cookieNames.ts"
import { presentChunks, readChunked } from "../cookies/sessionCookieChunks.ts"
import { HttpOptions } from "../HttpOptions.ts"
import { jsonHeaders } from "../routes/authResponse.ts"
import { databaseToken } from "./sessionCookie.ts"
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
 * `currentSession` reads it (sessionCookieChunks.ts), the same decision at the Clock's now (`judgeJwtSession`
 * over the ledger's revocation entries, or `judgeDatabaseSession` over the stored session), the same view
 * (`jwtView`, `defaultView`) and the same headers (`jsonHeaders`). Whatever the route would do more — renew
 * the cookie, clear a bad one, run a callback, wait on a store — it leaves to the route by answering
 * undefined / null.
 *
 * Built only when the configuration cannot make a difference (no session callback or session event; for JWT
 * sessions no jwt callback either; no rate limit on `/session`) and the store answers synchronously: the ledger's `sync` for JWT sessions
 * (memory, SQLite, the cached PostgreSQL ledger), the Users' `sync` for database sessions (memory, the cached
 * PostgreSQL Users). A store may decline a read (a cache that is not fresh): the route answers that request.
 * Tokens not verified within the last minute open here too when the codec says it opens synchronously.
 */
export const makeSessionFastPath = Effect.gen(function*() {
  const context = yield* Effect.context<AuthConfig | HttpOptions | VerifiedTokens | Ledger | Users | TokenCodec | Digest.Digest>()
  const config = Context.get(context, AuthConfig)
  const options = Context.get(context, HttpOptions)
  const strategy = config.session.strategy
  const eligible = options.fastSessionPath && config.callbacks.session === undefined && config.events.session === undefined &&
    (strategy === "database" || config.callbacks.jwt === undefined)
  // A rate limit configured on GET /session is counted by the route: the fast path would skip it.
  const limited = Option.match(yield* Effect.serviceOption(RateLimits), {
    onNone: () => false,
    onSome: (limits) => addressRuleFor(limits, "GET", "/session") !== null
  })
  if (!eligible || limited || options.url === null) return null
  const clock = yield* Clock.Clock
  const current = strategy === "jwt" ? jwtSessions(context, clock) : databaseSessions(context, clock)
  if (current === null) return null

  const secure = options.secureCookies ?? options.url.protocol === "https:"
  const name = cookieNames(options, secure).session
  const path = `${options.basePath}/session`
  const signedOut: FastAnswer = { status: 200, headers: jsonHeaders(options.signedOutSession), body: options.signedOutSession }
  // Answers counted by a plain increment (no Effect, no allocation on this path); the app's metric registry
  // reads the number when metrics are exported or snapshotted. The route counts the misses.
  let hits = 0
  Metric.registerUnsafe(sessionCheckHits, context, {
    get: () => ({ count: hits, incremental: true }),
    update: () => {},
    modify: () => {}
  })

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
    return current(token)?.view
  }

  const answer = (method: string | undefined, url: string | undefined, cookieHeader: string | undefined): FastAnswer | null => {
    if (method !== "GET" || url === undefined) return null
    const query = url.indexOf("?")
    if ((query < 0 ? url : url.slice(0, query)) !== path) return null
    const token = tokenOf(cookieHeader)
    if (token === undefined) return null
    if (token === null) {
      hits++
      return signedOut
    }
    const session = current(token)
    if (session === undefined) return null
    hits++
    const body = session.body()
    return { status: 200, headers: jsonHeaders(body), body }
  }
  return { view, answer }
})

/** A current session as the fast path answers it: its view, and its JSON (rendered once per stored object). */
interface CurrentView {
  readonly view: SessionView
  readonly body: () => string
}

type FastContext = Context.Context<AuthConfig | VerifiedTokens | Ledger | Users | TokenCodec | Digest.Digest>

/** Renders each view once: a store or token cache hands out the same object on every hit. */
const renderedOnce = <K extends object>() => {
  const bodies = new WeakMap<K, string>()
  return (key: K, view: SessionView) => () => {
    let body = bodies.get(key)
    if (body === undefined) {
      body = JSON.stringify(view)
      bodies.set(key, body)
    }
    return body
  }
}

/** JWT sessions: the token's verified claims, judged over the ledger's revocation entries. */
const jwtSessions = (context: FastContext, clock: Clock.Clock) => {
  const sync = Context.get(context, Ledger).sync
  if (Option.isNone(sync)) return null
  const reads = sync.value
  const opensSynchronously = Context.get(context, TokenCodec).opensSynchronously
  const tokens = Context.get(context, VerifiedTokens)
  const updateAge = Context.get(context, AuthConfig).session.updateAge
  const render = renderedOnce<JwtClaims>()

  return (token: string): CurrentView | undefined => {
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
      if (revocations === undefined || judgeJwtSession(claims, revocations, now, updateAge) !== "current") return undefined
    } catch {
      // A store that cannot answer here answers on the route (503), not by guessing.
      return undefined
    }
    const view = jwtView(claims, new Date(claims.exp * 1000))
    return { view, body: render(claims, view) }
  }
}

/** Database sessions: the stored session of the token's hash, judged by its expiry. */
const databaseSessions = (context: FastContext, clock: Clock.Clock) => {
  const sync = Context.get(context, Users).sync
  if (Option.isNone(sync)) return null
  const reads = sync.value
  const { maxAge, updateAge } = Context.get(context, AuthConfig).session
  const render = renderedOnce<SessionAndUser>()
  // The same cookie comes back on every request: its hash is computed once (bounded, oldest out first).
  const hashes = new Map<string, string>()
  const hashOf = (token: string): string | undefined => {
    const known = hashes.get(token)
    if (known !== undefined) return known
    const hashed = Effect.runSyncExit(hashToken(Redacted.make(token)).pipe(Effect.provideContext(context)))
    if (Exit.isFailure(hashed)) return undefined
    if (hashes.size >= 10_000) hashes.delete(hashes.keys().next().value!)
    hashes.set(token, hashed.value)
    return hashed.value
  }

  return (token: string): CurrentView | undefined => {
    // A malformed token is the route's: it clears the cookie.
    if (!databaseToken.test(token)) return undefined
    const tokenHash = hashOf(token)
    if (tokenHash === undefined) return undefined
    let found: ReturnType<typeof reads.getSessionAndUser>
    try {
      found = reads.getSessionAndUser(tokenHash)
    } catch {
      return undefined
    }
    // Not answered here, or no session (the route clears the cookie).
    if (found === undefined || Option.isNone(found)) return undefined
    const { session, user } = found.value
    if (judgeDatabaseSession(session.expires, clock.currentTimeMillisUnsafe(), maxAge, updateAge) !== "current") return undefined
    const view = defaultView(user, session.expires)
    return { view, body: render(found.value, view) }
  }
}

export type SessionFastPath = NonNullable<Effect.Success<typeof makeSessionFastPath>>
