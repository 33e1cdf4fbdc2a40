import { Effect, Option, Schema } from "effect"
import { type Account, AccountKey, AccountType, ProviderId } from "../../domain/Account.ts"
import type { UserId } from "../../domain/User.ts"
import type { Ledger, LedgerUnavailable } from "../../ports/Ledger.ts"
import { UsersUnavailable } from "../../ports/Users.ts"

/**
 * The bridge's indexes: what Auth.js has no place for, as entries of authfx's Ledger, one per user and kind,
 * each a JSON value (dates as epoch milliseconds, tokens as the text the store above hands over — sealed by
 * SealedTokensUsers, as in any store). Each is changed by a compare-and-set loop, so an index is exactly as
 * atomic as the Ledger it is in: within one process on memory, across every node on SQLite or PostgreSQL.
 */

const Token = Schema.NullOr(Schema.RedactedFromValue(Schema.String))

/** An account as its owner's index keeps it: the authfx model but the owner (the index's key says who). */
const IndexedAccount = Schema.Struct({
  ...AccountKey.fields,
  type: AccountType,
  accessToken: Token,
  refreshToken: Token,
  idToken: Token,
  expiresAt: Schema.NullOr(Schema.DateFromMillis),
  tokenType: Schema.NullOr(Schema.String),
  scope: Schema.NullOr(Schema.String),
  sessionState: Schema.NullOr(Schema.String),
  needsReauth: Schema.Boolean,
  /**
   * Set while linkAccount has reserved the provider for the user but the adapter has not confirmed the link
   * yet: such an entry is neither listed nor taken for stale, unless it is old (a crash mid-link).
   */
  pendingSince: Schema.NullOr(Schema.Finite)
})
export type IndexedAccount = typeof IndexedAccount.Type

/** The user's accounts, as authfx knows them (Auth.js cannot list them), with the tokens authfx reads. */
const AccountsIndex = Schema.Struct({ accounts: Schema.Array(IndexedAccount) })
export type AccountsIndex = typeof AccountsIndex.Type

/**
 * The token hashes of the user's sessions (Auth.js cannot list them either), each with the provider it was
 * signed in with (`via`) and its details for the session list, which Auth.js's session has no place for.
 */
const SessionsIndex = Schema.Struct({
  sessions: Schema.Array(Schema.Struct({
    token: Schema.String,
    via: Schema.NullOr(ProviderId),
    // What the user's session list shows and the step-up rule reads (epoch milliseconds); absent in entries
    // written before authfx kept them.
    createdAt: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
    authTime: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
    client: Schema.optionalKey(Schema.NullOr(Schema.String))
  }))
})
export type SessionsIndex = typeof SessionsIndex.Type

/**
 * The magic links the bridge issued with a cap for one address and has not seen used or pushed out (in no
 * order: the domain's `linksBeyondCap` orders them). Auth.js cannot list an address's verification tokens, and
 * the cap on pending links (src/domain/pendingLinks.ts) needs them.
 */
const PendingLinksIndex = Schema.Struct({
  links: Schema.Array(Schema.Struct({ tokenHash: Schema.String, expires: Schema.DateFromMillis }))
})
export type PendingLinksIndex = typeof PendingLinksIndex.Type

/**
 * The user's two-factor enrolment (Auth.js has no place for it): the domain's state, changed by the domain's
 * transitions (src/domain/twoFactor/enrolmentState.ts) in the index's compare-and-set loop.
 */
const TwoFactorIndex = Schema.Struct({
  enrolment: Schema.NullOr(Schema.Struct({
    id: Schema.String,
    secret: Schema.String,
    createdAt: Schema.Finite,
    enabledAt: Schema.NullOr(Schema.Finite),
    lastStep: Schema.NullOr(Schema.Finite),
    codes: Schema.Array(Schema.String)
  }))
})
export type TwoFactorIndex = typeof TwoFactorIndex.Type

// Parts are URI-encoded, so no id can reach into another key; `authjs:` keeps them apart from the domain's.
const part = encodeURIComponent
export const keys = {
  accounts: (userId: UserId) => `authjs:accounts:${part(userId)}`,
  sessions: (userId: UserId) => `authjs:sessions:${part(userId)}`,
  consume: (identifier: string, tokenHash: string) => `authjs:consume:${part(identifier)}:${part(tokenHash)}`,
  pendingLinks: (identifier: string) => `authjs:pending-links:${part(identifier)}`,
  twoFactor: (userId: UserId) => `authjs:two-factor:${part(userId)}`
} as const

/**
 * The expiry of an index. Every Ledger entry expires, but an index must outlive whatever it lists: one that
 * lapsed would read as empty, let a second account per provider through, hide accounts from the unlink guard's
 * count and sessions from "sign out everywhere". Nor can it follow its sessions' expiry, which moves with each
 * renewal. So: the last instant every Ledger layer can store (PostgreSQL's timestamptz and SQLite's integer
 * both hold it). An index goes only with its user (`deleteUser`).
 */
const lasting = new Date(Date.UTC(9999, 11, 31))

export const ledgerUnavailable = (error: LedgerUnavailable) =>
  new UsersUnavailable({ message: error.message, ...(error.cause === undefined ? {} : { cause: error.cause }) })

/** What an update decides: its result, and the index's next value (absent: unchanged; null: delete). */
export interface IndexChange<T, A> {
  readonly result: A
  readonly next?: T | null
}

/**
 * Typed access to one kind of index. An entry that does not decode is reported (and left as it is), never
 * taken for empty: an index read as empty would let a second account per provider through.
 */
const indexOf = <T>(
  ledger: Ledger["Service"],
  schema: Schema.Codec<T, unknown>,
  kind: string,
  empty: T,
  expiresAt: (index: T) => Date = () => lasting
) => {
  const json = Schema.fromJsonString(schema)
  const decodeText = Schema.decodeUnknownOption(json)
  const encode = Schema.encodeSync(json)
  const corrupt = new UsersUnavailable({ message: `a ${kind} index in the ledger is not one the bridge wrote` })
  // Indexes are read far more often than they change (every database session read reads one), and a value
  // decodes to the same immutable index every time: the last few hundred decoded are kept by their text.
  const decoded = new Map<string, T>()
  const decode = (text: string): Option.Option<T> => {
    const known = decoded.get(text)
    if (known !== undefined) return Option.some(known)
    const index = decodeText(text)
    if (Option.isSome(index)) {
      if (decoded.size >= 512) decoded.delete(decoded.keys().next().value!)
      decoded.set(text, index.value)
    }
    return index
  }

  const entry = (key: string) =>
    Effect.flatMap(Effect.mapError(ledger.get([key]), ledgerUnavailable), ([found = Option.none()]) => {
      if (Option.isNone(found)) return Effect.succeed({ value: Option.none<string>(), index: empty })
      const index = decode(found.value.value)
      return Option.isSome(index)
        ? Effect.succeed({ value: Option.some(found.value.value), index: index.value })
        : Effect.fail(corrupt)
    })

  /**
   * Reads the index, applies `f` and writes what it decides if the entry still holds what was read; else
   * reads again (another node changed it meanwhile). `f` may run more than once: it only decides.
   */
  const update = <A>(key: string, f: (index: T) => IndexChange<T, A>): Effect.Effect<A, UsersUnavailable> =>
    Effect.gen(function*() {
      while (true) {
        const { index, value } = yield* entry(key)
        const change = f(index)
        if (change.next === undefined) return change.result
        const written = change.next === null
          ? Option.isNone(value) || (yield* ledger.deleteIf(key, value.value))
          : yield* ledger.compareAndSet(key, value, { value: encode(change.next), expiresAt: expiresAt(change.next) })
        if (written) return change.result
      }
    }).pipe(Effect.catchTag("LedgerUnavailable", (error) => Effect.fail(ledgerUnavailable(error))))

  return { read: (key: string) => Effect.map(entry(key), ({ index }) => index), update }
}

export type Index<T> = ReturnType<typeof indexOf<T>>

export const indexes = (ledger: Ledger["Service"]) => ({
  accounts: indexOf<AccountsIndex>(ledger, AccountsIndex, "accounts", { accounts: [] }),
  sessions: indexOf<SessionsIndex>(ledger, SessionsIndex, "sessions", { sessions: [] }),
  // Unlike the others, it lapses a day after the last link it lists expires, so addresses that asked once do
  // not stay in the Ledger forever. Not at once: the bridge has no sweep (Auth.js cannot list tokens), and an
  // address's next request deletes the expired links the index still names from the adapter's table.
  pendingLinks: indexOf<PendingLinksIndex>(
    ledger,
    PendingLinksIndex,
    "pending links",
    { links: [] },
    (index) => new Date(Math.max(0, ...index.links.map((link) => link.expires.getTime())) + 24 * 60 * 60 * 1000)
  ),
  twoFactor: indexOf<TwoFactorIndex>(ledger, TwoFactorIndex, "two-factor", { enrolment: null })
})

export const indexedOf = (account: Account, pendingSince: number | null): IndexedAccount => {
  const { userId: _owner, ...fields } = account
  return { ...fields, pendingSince }
}

export const accountOf = (indexed: IndexedAccount, userId: UserId): Account => {
  const { pendingSince: _pending, ...fields } = indexed
  return { ...fields, userId }
}
