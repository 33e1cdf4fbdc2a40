import { Effect, Redacted } from "effect"
import type { HttpServerRequest } from "effect/http"
import { AuthConfig } from "../../domain/AuthConfig.ts"
import { type IssuedSession, noSession, type SessionCredential, type SessionRead } from "../../domain/Session.ts"
import { readSession } from "../../domain/sessionLifecycle.ts"
import { TokenCodec } from "../../ports/TokenCodec.ts"
import type { CookieJar } from "../cookies/cookieJar.ts"
import type { CookieNames } from "../cookies/cookieNames.ts"
import { presentChunks, readChunked } from "../cookies/sessionCookieChunks.ts"
import { VerifiedTokens } from "./VerifiedTokens.ts"

export interface CurrentSession {
  readonly read: SessionRead
  /** What the browser presented, for update and sign-out; null without a usable cookie. */
  readonly credential: SessionCredential | null
}

export const databaseToken = /^[A-Za-z0-9_-]{20,200}$/

/** Writes an issued or renewed session into the (chunked) session cookie. */
export const writeSession = Effect.fnUntraced(function*(issued: IssuedSession, names: CookieNames, jar: CookieJar) {
  const value = issued._tag === "Jwt"
    ? yield* TokenCodec.use((codec) => codec.seal("session", issued.claims))
    : Redacted.value(issued.token)
  jar.setSession(names.session, value, issued.expires)
})

/**
 * The session of this request: the cookie is opened in the configured strategy and judged by the domain.
 * A cookie that is not ours, expired or revoked is cleared; a renewal is written back.
 */
export const currentSession = Effect.fnUntraced(function*(
  request: HttpServerRequest.HttpServerRequest,
  names: CookieNames,
  jar: CookieJar
) {
  const config = yield* AuthConfig
  const token = readChunked(request.cookies, names.session)
  if (token === null) {
    // Chunks with one missing can never make a token again: clear them rather than carry them forever.
    const broken = presentChunks(request.cookies, names.session).length > 0
    if (broken) jar.expireSession(names.session)
    return { read: noSession(broken), credential: null } satisfies CurrentSession
  }
  let credential: SessionCredential | null = null
  if (config.session.strategy === "jwt") {
    const claims = yield* VerifiedTokens.use((tokens) => tokens.open(token)).pipe(
      Effect.catchTag("TokenRejected", () => Effect.succeed(null))
    )
    if (claims !== null) credential = { _tag: "Jwt", claims }
  } else if (databaseToken.test(token)) {
    credential = { _tag: "DatabaseToken", token: Redacted.make(token) }
  }
  if (credential === null) {
    jar.expireSession(names.session)
    return { read: noSession(true), credential: null } satisfies CurrentSession
  }
  const read = yield* readSession(credential)
  if (read._tag === "NoSession" && read.clear) jar.expireSession(names.session)
  if (read._tag === "Active" && read.renewed !== null) yield* writeSession(read.renewed, names, jar)
  const current: CurrentSession = { read, credential }
  return current
})
