import { type Redacted, Schema } from "effect"
import { type Account, ProviderId } from "./Account.ts"
import type { Profile } from "./Profile.ts"
import { type User, UserId } from "./User.ts"

/**
 * A database session as stored. Only a SHA-256 hash of the cookie's token is kept, so a leaked
 * table cannot be replayed as cookies (the token has 256 bits of entropy, so no salt or key is needed).
 */
export const Session = Schema.Struct({
  tokenHash: Schema.NonEmptyString,
  userId: UserId,
  expires: Schema.Date,
  /**
   * The provider the session was signed in with, so that unlinking it ends the sessions it started; null
   * for sessions from before authfx recorded it (and rows written by Auth.js).
   */
  via: Schema.NullOr(ProviderId),
  /**
   * When the session was created (shown in the user's session list). Optional, like the two below: absent or
   * null for rows from before authfx recorded it (and rows Auth.js writes).
   */
  createdAt: Schema.optionalKey(Schema.NullOr(Schema.Date)),
  /**
   * When the user last proved who they are in this session (signed in, or a second factor): a step-up is
   * measured from it (stepUp.ts). Unknown (null) counts as long ago.
   */
  authTime: Schema.optionalKey(Schema.NullOr(Schema.Date)),
  /** A coarse label of the client it was signed in from ("Firefox on Linux"): no full User-Agent, no address. */
  client: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export type Session = typeof Session.Type

/**
 * The claims of a JWT session token. `jti` names the session, not one encoding of it: renewals keep
 * it, so revoking the `jti` ends every copy of the cookie that was ever issued for that session.
 * `iat` and `exp` are seconds since the epoch (RFC 7519 NumericDate). `iat` keeps milliseconds as a
 * fraction (NumericDate allows it), so "revoke everything issued until now" can tell a token issued a
 * moment later in the same second from one issued before. `via` names the provider the session was signed
 * in with (see `Session.via`); like the registered claims, callbacks cannot change it. `auth_time` (seconds, as
 * OpenID Connect names it) is when the user signed in: renewals keep it, and a step-up is measured from it.
 */
export const JwtClaims = Schema.StructWithRest(
  Schema.Struct({
    sub: Schema.String,
    jti: Schema.NonEmptyString,
    iat: Schema.Finite,
    exp: Schema.Int,
    via: Schema.optionalKey(Schema.NullOr(Schema.String)),
    auth_time: Schema.optionalKey(Schema.Finite),
    name: Schema.optionalKey(Schema.NullOr(Schema.String)),
    email: Schema.optionalKey(Schema.NullOr(Schema.String)),
    picture: Schema.optionalKey(Schema.NullOr(Schema.String))
  }),
  [Schema.Record(Schema.String, Schema.Unknown)]
)
export type JwtClaims = typeof JwtClaims.Type

/** What `GET /session` shows by default, as Auth.js shapes it; the session callback may add to it. */
export interface SessionView {
  readonly user: { readonly name: string | null; readonly email: string | null; readonly image: string | null }
  readonly expires: string
  readonly [extra: string]: unknown
}

/** What a new session is told about the sign-in that makes it (the jwt callback sees all of it). */
export interface SignInContext {
  readonly account: Account | null
  readonly profile: Profile | null
  readonly isNewUser: boolean
  /** The provider signed in with: sessions remember it (`Session.via`, the JWT `via` claim). */
  readonly via: ProviderId
}

/** A session just issued or renewed, for the HTTP layer to put in a cookie. */
export type IssuedSession =
  | { readonly _tag: "Database"; readonly token: Redacted.Redacted<string>; readonly expires: Date }
  | { readonly _tag: "Jwt"; readonly claims: JwtClaims; readonly expires: Date }

/** What the browser presented: a database session token, or JWT claims its signature vouched for. */
export type SessionCredential =
  | { readonly _tag: "DatabaseToken"; readonly token: Redacted.Redacted<string> }
  | { readonly _tag: "Jwt"; readonly claims: JwtClaims }

/** A session that is valid now. */
export type ActiveSession =
  | {
    readonly _tag: "Database"
    readonly userId: UserId
    readonly expires: Date
    readonly session: Session
    readonly user: User
    readonly token: Redacted.Redacted<string>
  }
  | { readonly _tag: "Jwt"; readonly userId: UserId; readonly expires: Date; readonly claims: JwtClaims }

/**
 * The answer to "who is this?". `renewed` is set when the cookie must be written again (renewal or
 * update); `clear` when the presented cookie is dead and should be removed.
 */
export type SessionRead =
  | { readonly _tag: "NoSession"; readonly clear: boolean }
  | {
    readonly _tag: "Active"
    readonly session: ActiveSession
    readonly view: SessionView
    readonly renewed: IssuedSession | null
  }

export const noSession = (clear: boolean): SessionRead => ({ _tag: "NoSession", clear })

/** When the user of an active session last proved who they are (epoch milliseconds), or null when unknown. */
export const sessionAuthTime = (session: ActiveSession): number | null =>
  session._tag === "Database"
    ? session.session.authTime?.getTime() ?? null
    : typeof session.claims.auth_time === "number" ? Math.round(session.claims.auth_time * 1000) : null

/** The provider an active session was signed in with, when it is known. */
export const sessionVia = (session: ActiveSession): string | null =>
  session._tag === "Database" ? session.session.via : session.claims.via ?? null

/** What a browser will present next time for a session just issued. */
export const credentialOf = (issued: IssuedSession): SessionCredential =>
  issued._tag === "Jwt" ? { _tag: "Jwt", claims: issued.claims } : { _tag: "DatabaseToken", token: issued.token }
