import { Clock, Effect, Option } from "effect"
import { Ledger, type LedgerEntry } from "../ports/Ledger.ts"
import type { ProviderId } from "./Account.ts"
import type { UserId } from "./User.ts"

/** Who a JWT session token is, for the revocation check. */
export interface TokenIdentity {
  readonly jti: string
  readonly userId: UserId
  /** When the token was issued, to compare against a user-wide revocation. */
  readonly issuedAt: Date
  /** The provider the session was signed in with (its `via` claim), or null when the token has none. */
  readonly via: ProviderId | null
}

/**
 * A revocation as the ledger keeps it: every token of its scope issued at or before `before` is revoked,
 * until `until` (epoch milliseconds). A revoked session id is the scope of one token, so its `before` is
 * unbounded. The entry's value holds both numbers and its expiry is `until`, so a compare-and-set on the
 * value notices any concurrent change, the expiry included.
 */
interface Revocation {
  readonly before: number
  readonly until: number
}

// Parts are URI-encoded, so no id can reach into another key.
const part = encodeURIComponent
/** The ledger keys of the revocations that may cover a token: its id, its user, its user and provider. */
export const revocationKeys = {
  token: (jti: string) => `revoked:jti:${part(jti)}`,
  user: (userId: UserId) => `revoked:user:${part(userId)}`,
  userVia: (userId: UserId, via: ProviderId) => `revoked:user-via:${part(userId)}:${part(via)}`
} as const

const encode = (revocation: Revocation): LedgerEntry => ({
  value: `${revocation.before}:${revocation.until}`,
  expiresAt: new Date(revocation.until)
})

const decode = (entry: LedgerEntry): Revocation | null => {
  const [before, until] = entry.value.split(":").map(Number)
  return before === undefined || until === undefined || Number.isNaN(before) || Number.isNaN(until)
    ? null
    : { before, until }
}

/**
 * The revocation rule, in one place: a revocation covers a token while it lasts (`until > now`) and only
 * tokens issued at or before its `before` — so "sign out everywhere" ends every copy issued until then,
 * and a session signed in a moment later is not touched.
 */
export const covers = (revocation: Revocation, issuedAt: number, now: number): boolean =>
  revocation.until > now && issuedAt <= revocation.before

/** Whether any of the revocations found for a token covers it (the facts `revocationKeysOf` names). */
export const isRevokedBy = (
  found: ReadonlyArray<Option.Option<LedgerEntry>>,
  token: TokenIdentity,
  now: number
): boolean =>
  found.some((entry) => {
    if (Option.isNone(entry)) return false
    const revocation = decode(entry.value)
    return revocation !== null && covers(revocation, token.issuedAt.getTime(), now)
  })

/** The keys whose entries decide whether `token` is revoked. */
export const revocationKeysOf = (token: TokenIdentity): ReadonlyArray<string> =>
  token.via === null
    ? [revocationKeys.token(token.jti), revocationKeys.user(token.userId)]
    : [revocationKeys.token(token.jti), revocationKeys.user(token.userId), revocationKeys.userVia(token.userId, token.via)]

/** A later revocation of the same scope widens the earlier one; it never narrows it. */
const widen = (earlier: Revocation | null, later: Revocation): Revocation =>
  earlier === null
    ? later
    : { before: Math.max(earlier.before, later.before), until: Math.max(earlier.until, later.until) }

/** Records a revocation, merged with any already there; concurrent revocations of one scope all count. */
const revoke = Effect.fnUntraced(function*(key: string, revocation: Revocation) {
  const ledger = yield* Ledger
  const now = yield* Clock.currentTimeMillis
  // Already over: nothing to keep.
  if (revocation.until <= now) return
  while (true) {
    const [found] = yield* ledger.get([key])
    const current = Option.getOrUndefined(found!)
    const next = encode(widen(current === undefined ? null : decode(current), revocation))
    if (current !== undefined && current.value === next.value) return
    const expected = current === undefined ? Option.none<string>() : Option.some(current.value)
    if (yield* ledger.compareAndSet(key, expected, next)) return
  }
})

/** Revokes one session id (every copy of that JWT) until `until`. */
export const revokeTokenId = (jti: string, until: Date) =>
  revoke(revocationKeys.token(jti), { before: Number.MAX_SAFE_INTEGER, until: until.getTime() })

/** Revokes every token of the user (with `via`: only those signed in with that provider) issued until `before`. */
export const revokeUserTokens = (userId: UserId, before: Date, until: Date, via?: ProviderId) =>
  revoke(via === undefined ? revocationKeys.user(userId) : revocationKeys.userVia(userId, via), {
    before: before.getTime(),
    until: until.getTime()
  })

/** Whether the token is revoked now: one ledger read of its revocation keys, judged by `covers`. */
export const isTokenRevoked = Effect.fnUntraced(function*(token: TokenIdentity) {
  const found = yield* Ledger.use((ledger) => ledger.get(revocationKeysOf(token)))
  return isRevokedBy(found, token, yield* Clock.currentTimeMillis)
})
