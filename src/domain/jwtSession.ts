import { Clock, Effect, type Option, Schema } from "effect"
import { Ledger, type LedgerEntry } from "../ports/Ledger.ts"
import { ProviderId } from "./Account.ts"
import { AuthConfig } from "./AuthConfig.ts"
import { callHook } from "./callHook.ts"
import { SignInClient } from "./clientLabel.ts"
import { registerJwtSession } from "./jwtSessionRegistry.ts"
import { isRevokedBy, revocationKeysOf, revokeTokenId, type TokenIdentity } from "./revocation.ts"
import { randomId } from "./secretToken.ts"
import { type IssuedSession, type JwtClaims, noSession, type SessionRead, type SignInContext } from "./Session.ts"
import { AccessDenied } from "./SignInError.ts"
import { shapeSessionView } from "./sessionView.ts"
import { countRefusal } from "./telemetry.ts"
import type { User, UserId } from "./User.ts"

/**
 * The registered claims are ours: a callback may add claims but not move a token's identity, lifetime or
 * origin (`via`, which decides which sessions an unlink ends).
 */
const keepRegistered = (claims: JwtClaims, from: JwtClaims): JwtClaims => {
  // Spread first, so that claims the callback left alone keep their order (sameClaims compares JSON).
  const kept: Record<string, unknown> = { ...claims, sub: from.sub, jti: from.jti, iat: from.iat, exp: from.exp }
  // Assigned in place, so a claim the callback kept stays where it was; one it added that we lack goes.
  for (const name of ["via", "auth_time"] as const) {
    if (from[name] !== undefined) kept[name] = from[name]
    else delete kept[name]
  }
  return kept as JwtClaims
}

/** The claims of a new JWT session, shaped by the jwt callback. The token code signs or encrypts them. */
export const createJwtSession = Effect.fnUntraced(function*(
  user: User,
  context: SignInContext
) {
  const config = yield* AuthConfig
  const now = yield* Clock.currentTimeMillis
  const iat = now / 1000
  const base: JwtClaims = {
    sub: user.id,
    via: context.via,
    name: user.name,
    email: user.email,
    picture: user.image,
    jti: yield* randomId,
    iat,
    exp: Math.floor(iat) + config.session.maxAge,
    // The sign-in is now; renewals keep it, so a step-up can tell how long ago the user proved who they are.
    auth_time: iat
  }
  const hook = config.callbacks.jwt
  let claims = base
  if (hook !== undefined) {
    const shaped = yield* callHook("jwt", hook, {
      token: base,
      user,
      account: context.account,
      profile: context.profile,
      trigger: context.isNewUser ? "signUp" : "signIn",
      isNewUser: context.isNewUser
    })
    if (shaped === null) return yield* new AccessDenied({ reason: "JwtCallback" })
    claims = keepRegistered(shaped, base)
  }
  yield* registerJwtSession(claims, yield* SignInClient)
  const issued: IssuedSession = { _tag: "Jwt", claims, expires: new Date(claims.exp * 1000) }
  return issued
})

// Rounded: iat * 1000 is off by a float's last bit, and a truncated millisecond would misplace a token
// around a revocation boundary.
const issuedAtMillis = (claims: JwtClaims): number => Math.round(claims.iat * 1000)

const sameClaims = (a: JwtClaims, b: JwtClaims): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * The time rules of a JWT session, as a pure function (the hot path of `GET /session` applies them too,
 * without Effect): past `exp` it is over; older than `updateAge` it is due for renewal; else current.
 */
export const judgeJwtTime = (
  claims: JwtClaims,
  now: number,
  updateAge: number
): "expired" | "renewalDue" | "current" =>
  claims.exp * 1000 <= now ? "expired" : now - issuedAtMillis(claims) >= updateAge * 1000 ? "renewalDue" : "current"

/**
 * Whether a JWT session holds, in one place for every path that answers it (the `GET /session` route through
 * `readJwtSession`, and the synchronous fast path): past `exp`, or covered by a revocation among the entries
 * the ledger holds under `revocationKeysOf(tokenIdentity(claims))`, it has ended; else it is current, or due
 * for renewal past `updateAge`.
 */
export const judgeJwtSession = (
  claims: JwtClaims,
  revocations: ReadonlyArray<Option.Option<LedgerEntry>>,
  now: number,
  updateAge: number
): "ended" | "renewalDue" | "current" => {
  const time = judgeJwtTime(claims, now, updateAge)
  return time === "expired" || isRevokedBy(revocations, tokenIdentity(claims), now) ? "ended" : time
}

/** Who a JWT session token is, for the revocation check. */
export const tokenIdentity = (claims: JwtClaims): TokenIdentity => ({
  jti: claims.jti,
  userId: claims.sub as UserId,
  issuedAt: new Date(issuedAtMillis(claims)),
  via: typeof claims.via === "string" && Schema.is(ProviderId)(claims.via) ? claims.via : null
})

/**
 * Reads a JWT session from claims whose signature the token code already verified. Expired or revoked
 * tokens are refused whatever their signature says. The token is re-issued when it is older than
 * `updateAge`, when the jwt callback changed its claims, or on an update; a re-issue keeps `jti` and
 * never moves `exp` earlier.
 */
export const readJwtSession = Effect.fnUntraced(function*(
  claims: JwtClaims,
  options?: { readonly update?: { readonly data: unknown } }
) {
  const config = yield* AuthConfig
  const revocations = yield* Ledger.use((ledger) => ledger.get(revocationKeysOf(tokenIdentity(claims))))
  const now = yield* Clock.currentTimeMillis
  const time = judgeJwtSession(claims, revocations, now, config.session.updateAge)
  if (time === "ended") {
    // Ended before its time: a revocation (sign-out, unlink, sign-out everywhere) refused a copy of the token.
    if (judgeJwtTime(claims, now, config.session.updateAge) !== "expired") yield* countRefusal("revoked")
    return noSession(true)
  }

  let token = claims
  const hook = config.callbacks.jwt
  if (hook !== undefined) {
    const shaped = yield* callHook("jwt", hook, {
      token: claims,
      ...(options?.update === undefined ? {} : { trigger: "update" as const, session: options.update.data })
    })
    if (shaped === null) return noSession(true)
    token = keepRegistered(shaped, claims)
  }
  const changed = options?.update !== undefined || (hook !== undefined && !sameClaims(token, claims))
  let renewed: IssuedSession | null = null
  if (changed || time === "renewalDue") {
    const iat = now / 1000
    token = { ...token, iat, exp: Math.max(claims.exp, Math.floor(iat) + config.session.maxAge) }
    renewed = { _tag: "Jwt", claims: token, expires: new Date(token.exp * 1000) }
    yield* registerJwtSession(token, null)
  }
  const expires = new Date(token.exp * 1000)
  const view = yield* shapeSessionView({
    expires,
    token,
    ...(options?.update === undefined ? {} : { newSession: options.update.data })
  })
  const read: SessionRead = {
    _tag: "Active",
    session: { _tag: "Jwt", userId: token.sub as UserId, expires, claims: token },
    view,
    renewed
  }
  return read
})

/**
 * Revokes a JWT session by its `jti`. Every copy of it expires within `maxAge` of now (renewals stop
 * at the revocation check), so the entry is kept that long and no longer.
 */
export const revokeJwtSession = Effect.fnUntraced(function*(claims: JwtClaims) {
  const config = yield* AuthConfig
  const now = yield* Clock.currentTimeMillis
  // The presented copy may outlive that if maxAge was shortened since it was issued.
  const until = Math.max(now + config.session.maxAge * 1000, claims.exp * 1000)
  yield* revokeTokenId(claims.jti, new Date(until))
})
