import { Clock, Effect, Schema } from "effect"
import { Digest } from "effect/crypto"
import { Users } from "../ports/Users.ts"
import { AuthConfig, type ResolvedAuthConfig } from "./AuthConfig.ts"
import { emitEvent } from "./callHook.ts"
import { listJwtSessions, unregisterJwtSessions } from "./jwtSessionRegistry.ts"
import { revokeTokenId } from "./revocation.ts"
import type { ActiveSession, Session } from "./Session.ts"
import { endAllSessions } from "./sessionLifecycle.ts"
import { requireStepUp } from "./stepUp.ts"
import type { UserId } from "./User.ts"

/**
 * A session as its user's list shows it. `handle` names it for `revokeUserSessions` without being anything that
 * opens or revokes it elsewhere: a one-way hash of its id (the stored token hash, or the JWT id), so the list
 * carries no token, and a handle shown to one user means nothing in another user's list.
 */
export interface ListedSession {
  readonly handle: string
  readonly createdAt: Date | null
  /** Coarse: when it was last renewed (at most once per `updateAge`), never per request. */
  readonly lastSeenAt: Date | null
  readonly expires: Date
  readonly client: string | null
  readonly provider: string | null
  readonly current: boolean
}

/** What `revokeUserSessions` ends: one session by its handle, every other one, or all (the current one too). */
export type RevokeTarget =
  | { readonly _tag: "One"; readonly handle: string }
  | { readonly _tag: "Others" }
  | { readonly _tag: "All" }

/** The handle names no session of this user (gone, or another user's: the answer is the same). */
export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {}) {}

const utf8 = new TextEncoder()

/** The handle of a session id: SHA-256 over a domain-separation prefix, 128 bits of it in hex. */
export const sessionHandle = (id: string) =>
  Effect.map(
    Digest.Digest.use((digest) => digest.digestHex(Digest.sha256, utf8.encode(`authfx/session-handle:${id}`))),
    (hex) => hex.slice(0, 32)
  )

/**
 * A database session's last renewal, read off its expiry (a renewal sets it to `maxAge` from then), so showing it
 * costs no write; never before its creation nor after now.
 */
export const lastRenewal = (session: Session, config: ResolvedAuthConfig, now: number): Date => {
  const renewed = session.expires.getTime() - config.session.maxAge * 1000
  return new Date(Math.min(now, Math.max(renewed, session.createdAt?.getTime() ?? renewed)))
}

type EndFailure = Effect.Error<ReturnType<typeof revokeTokenId>> | Effect.Error<ReturnType<Users["Service"]["deleteSession"]>>
type EndServices = Effect.Services<ReturnType<typeof revokeTokenId>>

/** A live session of the user, with what ends it. */
interface Known {
  readonly listed: ListedSession
  /** Ends it: deletes the row, or revokes the JWT id. */
  readonly end: Effect.Effect<void, EndFailure, EndServices>
  readonly jti: string | null
}

const knownSessions = Effect.fnUntraced(function*(current: ActiveSession) {
  const config = yield* AuthConfig
  const now = yield* Clock.currentTimeMillis
  const userId = current.userId
  if (config.session.strategy === "jwt") {
    const currentJti = current._tag === "Jwt" ? current.claims.jti : null
    const entries = yield* listJwtSessions(userId)
    return yield* Effect.forEach(entries, (entry) =>
      Effect.map(sessionHandle(entry.jti), (handle): Known => ({
        listed: {
          handle,
          createdAt: entry.createdAt === null ? null : new Date(entry.createdAt),
          lastSeenAt: new Date(entry.lastSeen),
          expires: new Date(entry.expires),
          client: entry.client,
          provider: entry.via,
          current: entry.jti === currentJti
        },
        // Kept as long as any copy could live: the registry's expiry, or maxAge from now if that is later.
        end: revokeTokenId(entry.jti, new Date(Math.max(entry.expires, now + config.session.maxAge * 1000))),
        jti: entry.jti
      })))
  }
  const store = yield* Users
  const currentHash = current._tag === "Database" ? current.session.tokenHash : null
  const sessions = (yield* store.listUserSessions(userId)).filter((session) => session.expires.getTime() > now)
  return yield* Effect.forEach(sessions, (session) =>
    Effect.map(sessionHandle(session.tokenHash), (handle): Known => ({
      listed: {
        handle,
        createdAt: session.createdAt ?? null,
        lastSeenAt: lastRenewal(session, config, now),
        expires: session.expires,
        client: session.client ?? null,
        provider: session.via,
        current: session.tokenHash === currentHash
      },
      end: Effect.asVoid(store.deleteSession(session.tokenHash)),
      jti: null
    })))
})

/** The signed-in user's live sessions in the configured strategy, newest first, the caller's marked `current`. */
export const listUserSessions = Effect.fn("listUserSessions")(function*(current: ActiveSession) {
  const known = yield* knownSessions(current)
  return known.map(({ listed }) => listed).toSorted((a, b) =>
    (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0))
})

/**
 * Ends sessions of the signed-in user from their list. One by handle (only among their own: any other handle is
 * `SessionNotFound`, whoever's it is), every other one, or all — the last needs a recent sign-in (a step-up), and
 * ends every session whatever the strategy, as signing out everywhere does. Says how many it ended and whether the
 * caller's own session is among them (its cookie is then cleared).
 */
export const revokeUserSessions = Effect.fn("revokeUserSessions")(function*(current: ActiveSession, target: RevokeTarget) {
  const config = yield* AuthConfig
  const userId: UserId = current.userId
  if (target._tag === "All") {
    yield* requireStepUp(current, "revokeAllSessions")
    const count = (yield* knownSessions(current)).length
    yield* endAllSessions(userId)
    if (config.session.strategy === "jwt") yield* unregisterJwtSessions(userId, null)
    yield* emitEvent("sessionRevoked", config.events.sessionRevoked, { userId, scope: "all" as const, count })
    return { count, currentEnded: true }
  }
  const known = yield* knownSessions(current)
  const chosen = target._tag === "One"
    ? known.filter(({ listed }) => listed.handle === target.handle)
    : known.filter(({ listed }) => !listed.current)
  if (target._tag === "One" && chosen.length === 0) return yield* new SessionNotFound()
  yield* Effect.forEach(chosen, ({ end }) => end, { discard: true })
  const jtis = chosen.flatMap(({ jti }) => jti === null ? [] : [jti])
  if (jtis.length > 0) yield* unregisterJwtSessions(userId, jtis)
  const scope = target._tag === "One" ? "one" as const : "others" as const
  yield* emitEvent("sessionRevoked", config.events.sessionRevoked, { userId, scope, count: chosen.length })
  return { count: chosen.length, currentEnded: chosen.some(({ listed }) => listed.current) }
})
