import { Effect } from "effect"
import { hashToken } from "../../domain/secretToken.ts"
import type { SessionCredential } from "../../domain/Session.ts"
import type { CurrentSession } from "./sessionCookie.ts"

const bindingOf = (credential: SessionCredential) =>
  credential._tag === "Jwt"
    ? Effect.succeed<string | null>(`jwt:${credential.claims.jti}`)
    : Effect.map(hashToken(credential.token), (hash): string | null => `db:${hash}`)

/**
 * A name for the session a browser holds, to bind things to it (a link flow, a CSRF token) without keeping
 * the session's secret: a JWT session's `jti` (renewals keep it), a database session's stored SHA-256
 * hash. Null when the browser holds no valid session.
 */
export const sessionBinding = (current: CurrentSession) =>
  current.read._tag === "Active" && current.credential !== null
    ? bindingOf(current.credential)
    : Effect.succeed<string | null>(null)
