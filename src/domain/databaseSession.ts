import { Clock, Effect, Option, type Redacted } from "effect"
import { Users } from "../ports/Users.ts"
import type { ProviderId } from "./Account.ts"
import { AuthConfig } from "./AuthConfig.ts"
import { SignInClient } from "./clientLabel.ts"
import { hashToken, randomSecret } from "./secretToken.ts"
import { type IssuedSession, noSession, type SessionRead } from "./Session.ts"
import { shapeSessionView } from "./sessionView.ts"
import type { User } from "./User.ts"

/** Starts a database session: a 256-bit random token for the cookie, only its hash for the store. */
export const createDatabaseSession = Effect.fnUntraced(function*(user: User, via: ProviderId) {
  const config = yield* AuthConfig
  const store = yield* Users
  const now = yield* Clock.currentTimeMillis
  const token = yield* randomSecret(32)
  const expires = new Date(now + config.session.maxAge * 1000)
  const signedIn = new Date(now)
  yield* store.createSession({
    tokenHash: yield* hashToken(token),
    userId: user.id,
    expires,
    via,
    createdAt: signedIn,
    authTime: signedIn,
    client: yield* SignInClient
  })
  const issued: IssuedSession = { _tag: "Database", token, expires }
  return issued
})

/**
 * The time rules of a database session, as a pure function (the synchronous fast path of `GET /session`
 * applies them too): at or past `expires` it is over; renewed more than `updateAge` ago (its expiry is less
 * than `maxAge - updateAge` away) it is due for renewal; else current.
 */
export const judgeDatabaseSession = (
  expires: Date,
  now: number,
  maxAge: number,
  updateAge: number
): "expired" | "renewalDue" | "current" =>
  expires.getTime() <= now
    ? "expired"
    : expires.getTime() - maxAge * 1000 + updateAge * 1000 <= now
    ? "renewalDue"
    : "current"

/**
 * Reads a database session. An expired one is deleted and never answered. A session used more than
 * `updateAge` after its last renewal is extended to `maxAge` from now, and never shortened.
 * `newSession` is the data of a session update, for the session callback (Auth.js persists nothing of it).
 */
export const readDatabaseSession = Effect.fnUntraced(function*(
  token: Redacted.Redacted<string>,
  options?: { readonly newSession?: unknown }
) {
  const config = yield* AuthConfig
  const store = yield* Users
  const tokenHash = yield* hashToken(token)
  const found = yield* store.getSessionAndUser(tokenHash)
  if (Option.isNone(found)) return noSession(true)
  const { session, user } = found.value
  const now = yield* Clock.currentTimeMillis
  const { maxAge, updateAge } = config.session
  const judged = judgeDatabaseSession(session.expires, now, maxAge, updateAge)
  if (judged === "expired") {
    yield* store.deleteSession(tokenHash)
    return noSession(true)
  }
  let expires = session.expires
  let renewed: IssuedSession | null = null
  if (judged === "renewalDue") {
    const extended = new Date(Math.max(session.expires.getTime(), now + maxAge * 1000))
    const updated = yield* store.updateSessionExpiry(tokenHash, extended)
    // Deleted between our read and update (signed out elsewhere): the session is over.
    if (Option.isNone(updated)) return noSession(true)
    expires = updated.value.expires
    renewed = { _tag: "Database", token, expires }
  }
  const view = yield* shapeSessionView({ expires, user, newSession: options?.newSession })
  const read: SessionRead = {
    _tag: "Active",
    session: { _tag: "Database", userId: user.id, expires, session: { ...session, expires }, user, token },
    view,
    renewed
  }
  return read
})
