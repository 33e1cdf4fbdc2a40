import { Context, Effect, Exit, Option } from "effect"
import { AuthConfig } from "../../domain/AuthConfig.ts"
import { judgeJwtTime, tokenIdentity } from "../../domain/jwtSession.ts"
import { isRevokedBy, revocationKeysOf } from "../../domain/revocation.ts"
import type { JwtClaims, SessionView } from "../../domain/Session.ts"
import { defaultView } from "../../domain/sessionView.ts"
import { TokenCodec } from "../../ports/TokenCodec.ts"
import { Ledger } from "../../ports/Ledger.ts"
import { cookieNames } from "../cookies/cookieNames.ts"
import { HttpOptions } from "../HttpOptions.ts"
import { VerifiedTokens } from "./VerifiedTokens.ts"

export interface FastAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Exactly what the `GET /session` route sends, so a client cannot tell which path answered. */
const headersFor = (body: string) => ({
  "cache-control": "private, no-cache, no-store",
  expires: "0",
  pragma: "no-cache",
  "content-type": "application/json",
  "content-length": String(Buffer.byteLength(body))
})

const nullAnswer: FastAnswer = { status: 200, headers: headersFor("null"), body: "null" }

/** The value of cookie `name`, or null; undefined when the header has anything we leave to the full route. */
const cookieValue = (header: string | undefined, name: string): string | null | undefined => {
  if (header === undefined || header === "") return null
  let value: string | null = null
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=")
    if (eq < 0) continue
    const key = pair.slice(0, eq).trim()
    // Chunks, duplicates and encoded values are the full route's business.
    if (key.startsWith(`${name}.`)) return undefined
    if (key !== name) continue
    if (value !== null) return undefined
    value = pair.slice(eq + 1).trim()
    if (value.includes("%") || value === "") return undefined
  }
  return value
}

/**
 * `GET /session` runs on every request of an application, and the router in front of it costs as much as
 * everything else together. For the common case — a JWT session whose token was verified within the last
 * minute (or opens synchronously), not due for renewal, and no callbacks or session event that could
 * differ — this answers before the router with the domain's own rules (`judgeJwtTime`, the revocation
 * revocation check, `defaultView`), synchronously. Anything else returns null and takes the full route.
 *
 * Built only when that can be done without side effects running twice: the ledger must answer reads
 * synchronously (memory, SQLite; not a network database), which its layer says by providing `sync`.
 */
export const makeSessionFastPath = Effect.gen(function*() {
  const context = yield* Effect.context<AuthConfig | HttpOptions | VerifiedTokens | Ledger | TokenCodec>()
  const config = Context.get(context, AuthConfig)
  const options = Context.get(context, HttpOptions)
  const runs = (effect: Effect.Effect<unknown, unknown, AuthConfig | TokenCodec>) =>
    Exit.isSuccess(Effect.runSyncExit(effect.pipe(Effect.provideContext(context))))
  const eligible = options.fastSessionPath && config.session.strategy === "jwt" && options.url !== null &&
    config.callbacks.jwt === undefined && config.callbacks.session === undefined && config.events.session === undefined
  const sync = Context.get(context, Ledger).sync
  if (!eligible || Option.isNone(sync) || options.url === null) return null
  const reads = sync.value

  // Cold tokens too, when the codec opens synchronously (the default dir + A256GCM key): probed likewise.
  const probe = yield* TokenCodec.use((codec) => codec.seal("session", { exp: Math.floor(Date.now() / 1000) + 60 })).pipe(
    Effect.option
  )
  const codecIsSync = Option.isSome(probe) && runs(TokenCodec.use((codec) => codec.open("session", probe.value)))

  const secure = options.secureCookies ?? options.url.protocol === "https:"
  const name = cookieNames(options, secure).session
  const path = `${options.basePath}/session`
  const tokens = Context.get(context, VerifiedTokens)
  const updateAge = config.session.updateAge
  // A verified token's claims object is the same on every hit, so its answer is rendered once.
  const bodies = new WeakMap<JwtClaims, string>()

  /** Verified claims of a current, unrevoked session; undefined whenever the router must decide. */
  const currentClaims = (token: string): JwtClaims | undefined => {
    // The system clock, as the default Clock the router's path uses.
    const now = Date.now()
    let claims = tokens.peek(token, now)
    if (claims === undefined) {
      if (!codecIsSync) return undefined
      const opened = Effect.runSyncExit(tokens.open(token))
      if (Exit.isFailure(opened)) return undefined
      claims = opened.value
    }
    // The same rules as readJwtSession, which the router's path runs: time, then revocation.
    if (judgeJwtTime(claims, now, updateAge) !== "current") return undefined
    const identity = tokenIdentity(claims)
    try {
      return isRevokedBy(reads.get(revocationKeysOf(identity), now), identity, now) ? undefined : claims
    } catch {
      // A store that cannot answer here answers on the full route (503), not by guessing.
      return undefined
    }
  }

  // What shapeSessionView answers when there is no session callback (the fast path requires that).
  const viewOf = (claims: JwtClaims): SessionView =>
    defaultView({ name: claims.name, email: claims.email, image: claims.picture }, new Date(claims.exp * 1000))

  /** The session view for a Cookie header: null when signed out, undefined when the full route must decide. */
  const view = (cookieHeader: string | undefined): SessionView | null | undefined => {
    const token = cookieValue(cookieHeader, name)
    if (token === undefined || token === null) return token
    const claims = currentClaims(token)
    return claims === undefined ? undefined : viewOf(claims)
  }

  const answer = (method: string | undefined, url: string | undefined, cookieHeader: string | undefined): FastAnswer | null => {
    if (method !== "GET" || url === undefined) return null
    const query = url.indexOf("?")
    if ((query < 0 ? url : url.slice(0, query)) !== path) return null
    const token = cookieValue(cookieHeader, name)
    if (token === undefined) return null
    if (token === null) return nullAnswer
    const claims = currentClaims(token)
    if (claims === undefined) return null
    let body = bodies.get(claims)
    if (body === undefined) {
      body = JSON.stringify(viewOf(claims))
      bodies.set(claims, body)
    }
    return { status: 200, headers: headersFor(body), body }
  }
  return { view, answer }
})
