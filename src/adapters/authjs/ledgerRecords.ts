import { Effect, Option, Redacted, Schema } from "effect"
import { Account, type AccountKey } from "../../domain/Account.ts"
import type { UserId } from "../../domain/User.ts"
import { UsersUnavailable } from "../../ports/Users.ts"
import type { Change, Ledger, LedgerUnavailable } from "./AuthjsLedger.ts"

/**
 * The ledger's records, as JSON (dates as epoch milliseconds, secrets as plain text: the ledger is storage,
 * like the adapter's tables). Keys are built here too, from URI-encoded parts, so an id can never reach into
 * another record's key (and stores that treat `/` or `:` specially see neither inside a part).
 */

const Millis = Schema.Finite

const StoredClaim = Schema.Struct({ holder: Schema.String, until: Millis })

export const StoredAccount = Schema.Struct({
  provider: Schema.String,
  providerAccountId: Schema.String,
  type: Schema.String,
  accessToken: Schema.NullOr(Schema.String),
  refreshToken: Schema.NullOr(Schema.String),
  idToken: Schema.NullOr(Schema.String),
  expiresAt: Schema.NullOr(Millis),
  tokenType: Schema.NullOr(Schema.String),
  scope: Schema.NullOr(Schema.String),
  sessionState: Schema.NullOr(Schema.String),
  needsReauth: Schema.Boolean,
  /** Who is refreshing the tokens, until when. */
  claim: Schema.NullOr(StoredClaim),
  /**
   * Set while linkAccount has reserved the provider for the user but the adapter has not confirmed the link
   * yet: such an entry is neither listed nor taken for stale, unless it is old (a crash mid-link).
   */
  pendingSince: Schema.NullOr(Millis)
})
export type StoredAccount = typeof StoredAccount.Type

/** The user's accounts, as authfx knows them: Auth.js has no way to list them. */
export const AccountsRecord = Schema.Struct({ accounts: Schema.Array(StoredAccount) })
export type AccountsRecord = typeof AccountsRecord.Type

/**
 * The token hashes of the user's sessions: Auth.js has no way to list them either; and for each the provider it
 * was signed in with (`via`), which Auth.js's session has no place for. Records written before `via` lack it.
 */
export const SessionsRecord = Schema.Struct({
  tokens: Schema.Array(Schema.String),
  via: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})
export type SessionsRecord = typeof SessionsRecord.Type


export const keys = {
  accounts: (userId: UserId) => `accounts:${encodeURIComponent(userId)}`,
  sessions: (userId: UserId) => `sessions:${encodeURIComponent(userId)}`
} as const

export const emptyAccounts: AccountsRecord = { accounts: [] }
export const emptySessions: SessionsRecord = { tokens: [] }

export const ledgerUnavailable = (error: LedgerUnavailable) =>
  new UsersUnavailable({ message: error.message, ...(error.cause === undefined ? {} : { cause: error.cause }) })

const corrupt = (kind: string) =>
  new UsersUnavailable({ message: `a ${kind} record in the ledger is not one the bridge wrote` })

const notWritten: unique symbol = Symbol("authfx/ledger/corrupt")

/** What an update decides: its result, and the record's next value (absent: unchanged; null: delete). */
export interface RecordChange<T, A> {
  readonly result: A
  readonly next?: T | null
  readonly ttlSeconds?: number
}

/**
 * Typed access to one kind of record. A record that does not decode is reported (and left as it is), never
 * taken for empty: an index read as empty would let a second account per provider through.
 */
export const recordsOf = <S extends Schema.Top & { readonly DecodingServices: never }>(
  ledger: Ledger,
  schema: S,
  kind: string,
  empty: S["Type"]
) => {
  const decode = Schema.decodeUnknownOption(schema)
  const read = (key: string): Effect.Effect<S["Type"], UsersUnavailable> =>
    ledger.get(key).pipe(
      Effect.mapError(ledgerUnavailable),
      Effect.flatMap((value) => {
        if (Option.isNone(value)) return Effect.succeed(empty)
        const decoded = decode(value.value)
        return Option.isSome(decoded) ? Effect.succeed(decoded.value) : Effect.fail(corrupt(kind))
      })
    )
  const update = <A>(
    key: string,
    f: (record: S["Type"]) => RecordChange<S["Type"], A>
  ): Effect.Effect<A, UsersUnavailable> =>
    ledger.modify(key, (current): Change<A | typeof notWritten> => {
      const decoded = Option.flatMap(current, decode)
      if (Option.isSome(current) && Option.isNone(decoded)) return { result: notWritten }
      const change = f(Option.getOrElse(decoded, () => empty))
      return {
        result: change.result,
        ...(change.next === undefined ? {} : { next: change.next === null ? Option.none() : Option.some(change.next) }),
        ...(change.ttlSeconds === undefined ? {} : { ttlSeconds: change.ttlSeconds })
      }
    }).pipe(
      Effect.mapError(ledgerUnavailable),
      Effect.flatMap((result) => (result === notWritten ? Effect.fail(corrupt(kind)) : Effect.succeed(result as A)))
    )
  return { read, update }
}

const reveal = (value: Redacted.Redacted<string> | null) => (value === null ? null : Redacted.value(value))

export const storedOf = (account: Account, pendingSince: number | null): StoredAccount => ({
  provider: account.provider,
  providerAccountId: account.providerAccountId,
  type: account.type,
  accessToken: reveal(account.accessToken),
  refreshToken: reveal(account.refreshToken),
  idToken: reveal(account.idToken),
  expiresAt: account.expiresAt === null ? null : account.expiresAt.getTime(),
  tokenType: account.tokenType,
  scope: account.scope,
  sessionState: account.sessionState,
  needsReauth: account.needsReauth,
  claim: null,
  pendingSince
})

const decodeAccount = Schema.decodeUnknownEffect(Account)

export const accountOf = (stored: StoredAccount, userId: UserId): Effect.Effect<Account, UsersUnavailable> =>
  Effect.mapError(
    decodeAccount({
      provider: stored.provider,
      providerAccountId: stored.providerAccountId,
      userId,
      type: stored.type,
      accessToken: stored.accessToken === null ? null : Redacted.make(stored.accessToken),
      refreshToken: stored.refreshToken === null ? null : Redacted.make(stored.refreshToken),
      idToken: stored.idToken === null ? null : Redacted.make(stored.idToken),
      expiresAt: stored.expiresAt === null ? null : new Date(stored.expiresAt),
      tokenType: stored.tokenType,
      scope: stored.scope,
      sessionState: stored.sessionState,
      needsReauth: stored.needsReauth
    }),
    () => new UsersUnavailable({ message: "an account record in the ledger does not match the authfx model" })
  )

export const isKey = (key: AccountKey) => (stored: StoredAccount): boolean =>
  stored.provider === key.provider && stored.providerAccountId === key.providerAccountId
