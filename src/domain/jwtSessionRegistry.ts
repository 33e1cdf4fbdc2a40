import { Clock, Effect, Option, Schema } from "effect"
import { Ledger } from "../ports/Ledger.ts"
import { isRevokedBy, revocationKeysOf, type TokenIdentity } from "./revocation.ts"
import type { JwtClaims } from "./Session.ts"
import { ProviderId } from "./Account.ts"
import type { UserId } from "./User.ts"

/**
 * JWT sessions need no lookup, so nothing on the server knows which ones a user has: to list them (and end one
 * of them) authfx keeps, per user, a small registry of their live token ids in the Ledger — one JSON value,
 * changed by compare-and-set, whose entries leave with their tokens' expiry. It is written when a session starts,
 * when it is renewed (at most once per `updateAge`), and when one ends; never on a plain read.
 *
 * It lists, it does not decide: whether a token is valid is still the revocation check alone (revocation.ts). So
 * a registry that lost an entry (full, or written before it existed) hides that session from the list, and "end
 * all sessions" — a user-wide revocation — still ends it.
 */

/** One session in the registry: its token id and what the list shows. Times are epoch milliseconds. */
const Entry = Schema.Struct({
  jti: Schema.String,
  createdAt: Schema.NullOr(Schema.Finite),
  authTime: Schema.NullOr(Schema.Finite),
  /** The `iat` of its newest copy: when it was last renewed (or created). */
  lastSeen: Schema.Finite,
  expires: Schema.Finite,
  via: Schema.NullOr(Schema.String),
  client: Schema.NullOr(Schema.String)
})
export type RegistryEntry = typeof Entry.Type

const Registry = Schema.fromJsonString(Schema.Array(Entry))
const decode = Schema.decodeUnknownOption(Registry)
const encode = Schema.encodeSync(Registry)

/** At most this many sessions per user are listed; past it, those seen longest ago leave the list first. */
export const registryLimit = 50

export const registryKey = (userId: UserId) => `sessions:user:${encodeURIComponent(userId)}`

/** The entries still live at `now`, newest last, at most `registryLimit`: the bounded registry's one rule. */
export const liveEntries = (entries: ReadonlyArray<RegistryEntry>, now: number): ReadonlyArray<RegistryEntry> =>
  entries.filter((entry) => entry.expires > now).toSorted((a, b) => a.lastSeen - b.lastSeen).slice(-registryLimit)

const read = Effect.fnUntraced(function*(userId: UserId) {
  const [found = Option.none()] = yield* Ledger.use((ledger) => ledger.get([registryKey(userId)]))
  if (Option.isNone(found)) return { value: Option.none<string>(), entries: [] as ReadonlyArray<RegistryEntry> }
  // A value we cannot read is replaced at the next write: the registry lists, it decides nothing.
  return { value: Option.some(found.value.value), entries: Option.getOrElse(decode(found.value.value), () => []) }
})

/** Applies `change` to the user's registry by compare-and-set, again on a concurrent change. */
const update = Effect.fnUntraced(function*(
  userId: UserId,
  change: (entries: ReadonlyArray<RegistryEntry>) => ReadonlyArray<RegistryEntry>
) {
  const ledger = yield* Ledger
  const key = registryKey(userId)
  while (true) {
    const now = yield* Clock.currentTimeMillis
    const { entries, value } = yield* read(userId)
    const next = liveEntries(change(entries), now)
    if (next.length === 0) {
      if (Option.isNone(value) || (yield* ledger.deleteIf(key, value.value))) return
      continue
    }
    const text = encode(next)
    if (Option.isSome(value) && value.value === text) return
    const expiresAt = new Date(Math.max(...next.map((entry) => entry.expires)))
    if (yield* ledger.compareAndSet(key, value, { value: text, expiresAt })) return
  }
})

const millis = (seconds: number | undefined): number | null => seconds === undefined ? null : Math.round(seconds * 1000)

/** The entry a token's claims describe; `known` keeps what only its first registration knew. */
const entryOf = (claims: JwtClaims, known: RegistryEntry | undefined, client: string | null): RegistryEntry => ({
  jti: claims.jti,
  createdAt: known?.createdAt ?? millis(claims.auth_time),
  authTime: millis(claims.auth_time),
  lastSeen: Math.round(claims.iat * 1000),
  expires: claims.exp * 1000,
  via: typeof claims.via === "string" ? claims.via : null,
  client: known?.client ?? client
})

/** Registers a session just issued, or a renewed copy of one (its last-seen time and expiry move; the rest stays). */
export const registerJwtSession = (claims: JwtClaims, client: string | null) =>
  update(claims.sub as UserId, (entries) => {
    const known = entries.find((entry) => entry.jti === claims.jti)
    const entry = entryOf(claims, known, client)
    // Two renewals racing: the newer copy wins.
    if (known !== undefined && known.lastSeen > entry.lastSeen) return entries
    return [...entries.filter((other) => other.jti !== claims.jti), entry]
  })

/** Takes the named token ids (or every one, with null) off the user's list. */
export const unregisterJwtSessions = (userId: UserId, jtis: ReadonlyArray<string> | null) =>
  update(userId, (entries) => jtis === null ? [] : entries.filter((entry) => !jtis.includes(entry.jti)))

const identityOf = (userId: UserId, entry: RegistryEntry): TokenIdentity => ({
  jti: entry.jti,
  userId,
  issuedAt: new Date(entry.lastSeen),
  via: entry.via !== null && Schema.is(ProviderId)(entry.via) ? entry.via : null
})

/**
 * The user's listed JWT sessions that are still valid: live entries not covered by a revocation (an unlink, "sign
 * out everywhere", a revoked id), judged by the same rule as every token, in one ledger read. The newest copy of a
 * session is the one judged: a revocation that covers it covers every older copy.
 */
export const listJwtSessions = Effect.fnUntraced(function*(userId: UserId) {
  const now = yield* Clock.currentTimeMillis
  const entries = liveEntries((yield* read(userId)).entries, now)
  if (entries.length === 0) return []
  const identities = entries.map((entry) => ({ entry, keys: revocationKeysOf(identityOf(userId, entry)) }))
  const keys = [...new Set(identities.flatMap(({ keys }) => keys))]
  const found = yield* Ledger.use((ledger) => ledger.get(keys))
  const byKey = new Map(keys.map((key, i) => [key, found[i] ?? Option.none()]))
  return identities
    .filter(({ entry, keys }) => !isRevokedBy(keys.map((key) => byKey.get(key) ?? Option.none()), identityOf(userId, entry), now))
    .map(({ entry }) => entry)
})
