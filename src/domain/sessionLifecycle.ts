import { Clock, Effect, Option } from "effect"
import { Users } from "../ports/Users.ts"
import { AuthConfig } from "./AuthConfig.ts"
import { emitEvent } from "./callHook.ts"
import { createDatabaseSession, readDatabaseSession } from "./databaseSession.ts"
import { createJwtSession, readJwtSession, revokeJwtSession } from "./jwtSession.ts"
import { unregisterJwtSessions } from "./jwtSessionRegistry.ts"
import { revokeUserTokens } from "./revocation.ts"
import { hashToken } from "./secretToken.ts"
import type { SessionCredential, SignInContext } from "./Session.ts"
import type { User, UserId } from "./User.ts"
import type { ProviderId } from "./Account.ts"

/** Starts a session for a user who just signed in, in the configured strategy. */
export const issueSession = Effect.fn("issueSession")(function*(user: User, context: SignInContext) {
  const config = yield* AuthConfig
  return config.session.strategy === "jwt"
    ? yield* createJwtSession(user, context)
    : yield* createDatabaseSession(user, context.via)
})

/**
 * Who is this? Valid, unexpired, unrevoked sessions only; renewal as the strategy does it. Untraced: it runs
 * on every request of an application, and a span per call is a measurable part of that.
 */
export const readSession = Effect.fnUntraced(function*(credential: SessionCredential) {
  return credential._tag === "Jwt"
    ? yield* readJwtSession(credential.claims)
    : yield* readDatabaseSession(credential.token)
})

/** `POST /session`: hands the data to the jwt/session callbacks and re-issues the session. */
export const updateSession = Effect.fn("updateSession")(function*(credential: SessionCredential, data: unknown) {
  if (credential._tag === "Jwt") return yield* readJwtSession(credential.claims, { update: { data } })
  const read = yield* readDatabaseSession(credential.token, { newSession: data })
  if (read._tag === "NoSession" || read.session._tag !== "Database") return read
  // The cookie is written again on update, as Auth.js does, even when the row was not extended.
  return { ...read, renewed: { _tag: "Database" as const, token: read.session.token, expires: read.session.expires } }
})

/**
 * Signs out one session. database: the row is deleted. jwt: the `jti` is revoked, so a copy of the
 * cookie taken before sign-out stops working too (Auth.js cannot do this).
 */
export const endSession = Effect.fn("endSession")(function*(credential: SessionCredential) {
  const config = yield* AuthConfig
  const store = yield* Users
  if (credential._tag === "Jwt") {
    yield* revokeJwtSession(credential.claims)
    yield* unregisterJwtSessions(credential.claims.sub as UserId, [credential.claims.jti])
    yield* emitEvent("signOut", config.events.signOut, { session: null, token: credential.claims })
    return
  }
  const deleted = yield* store.deleteSession(yield* hashToken(credential.token))
  yield* emitEvent("signOut", config.events.signOut, { session: Option.getOrNull(deleted), token: null })
})

/**
 * Ends every session of the user that was signed in with `via` (an account being unlinked): its database
 * sessions are deleted and its JWTs issued until now revoked — both, whatever the strategy, as
 * `endAllSessions` does. Sessions of the user's other sign-in methods stay.
 */
export const endSessionsVia = Effect.fn("endSessionsVia")(function*(userId: UserId, via: ProviderId) {
  const config = yield* AuthConfig
  const store = yield* Users
  const now = yield* Clock.currentTimeMillis
  yield* store.deleteUserSessions(userId, { via })
  yield* revokeUserTokens(userId, new Date(now), new Date(now + config.session.maxAge * 1000), via)
})

/**
 * Signs a user out everywhere: deletes their database sessions and revokes every JWT issued to them
 * until now. Both, whatever the strategy, so switching strategies leaves nothing behind.
 */
export const endAllSessions = Effect.fn("endAllSessions")(function*(userId: UserId) {
  const config = yield* AuthConfig
  const store = yield* Users
  const now = yield* Clock.currentTimeMillis
  yield* store.deleteUserSessions(userId)
  yield* revokeUserTokens(userId, new Date(now), new Date(now + config.session.maxAge * 1000))
})
