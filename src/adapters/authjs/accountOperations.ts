import type { AdapterAccount } from "@auth/core/adapters"
import { Clock, Effect, Option, Redacted } from "effect"
import type { Account, AccountKey, ProviderId, TokenSet } from "../../domain/Account.ts"
import type { UserId } from "../../domain/User.ts"
import {
  AccountAlreadyLinked,
  AccountListingUnsupported,
  AccountNotFound,
  LastSignInMethod,
  type AccountChange,
  type TokenSecrets,
  UserNotFound,
  type Users,
  type UsersUnavailable
} from "../../ports/Users.ts"
import { unavailable } from "./adapterCalls.ts"
import { decodeAccount, linkOnlyAccount, toAuthjsAccount } from "./authjsRecords.ts"
import type { Bridge } from "./bridge.ts"
import { accountOf, type AccountsRecord, isKey, keys, type StoredAccount, storedOf } from "./ledgerRecords.ts"

/** A reservation older than this is a link that crashed half-way: it is checked against the adapter like any entry. */
const pendingGrace = 60_000

type Operations = Pick<
  Users["Service"],
  | "linkAccount"
  | "unlinkAccount"
  | "getAccount"
  | "listAccounts"
  | "getUserAccount"
  | "updateAccountTokens"
  | "pageAccounts"
  | "updateAccountIf"
>

interface Verdict {
  readonly stored: StoredAccount
  readonly state: "pending" | "live" | "stale"
}

const keyOf = (stored: StoredAccount): AccountKey => ({
  provider: stored.provider as ProviderId,
  providerAccountId: stored.providerAccountId
})

const without = (record: AccountsRecord, drop: (stored: StoredAccount) => boolean): AccountsRecord => ({
  accounts: record.accounts.filter((stored) => !drop(stored))
})

const replacing = (record: AccountsRecord, key: AccountKey, next: StoredAccount): AccountsRecord => ({
  accounts: [...record.accounts.filter((stored) => !isKey(key)(stored)), next]
})

/**
 * The accounts half of the bridge. The adapter is the authority on who owns a provider account (its
 * `getUserByAccount`); the ledger lists each user's accounts and holds what Auth.js cannot: current tokens
 * (Auth.js has no update, pg and Kysely not even a read), `needsReauth` and refresh claims. Ledger entries are
 * checked against the adapter before they are believed, so a link removed behind the bridge's back (Auth.js
 * still running beside authfx, a script) drops out instead of blocking the provider or counting as a way in.
 */
export const accountOperations = (bridge: Bridge): Operations => {
  const { accounts, adapter, call, getUserByAccount, plain } = bridge

  /** The entries of the user's record that the adapter confirms (and fresh reservations), and the stale ones. */
  const checked = (userId: UserId, which: (stored: StoredAccount) => boolean) =>
    Effect.gen(function*() {
      const record = yield* accounts.read(keys.accounts(userId))
      const now = yield* Clock.currentTimeMillis
      const verdicts = yield* Effect.forEach(
        record.accounts.filter(which),
        (stored): Effect.Effect<Verdict, UsersUnavailable> =>
          stored.pendingSince !== null && now - stored.pendingSince < pendingGrace
            ? Effect.succeed({ stored, state: "pending" as const })
            : Effect.map(getUserByAccount(keyOf(stored)), (owner) => ({
              stored,
              state: Option.isSome(owner) && owner.value.id === userId ? "live" as const : "stale" as const
            })),
        { concurrency: 8 }
      )
      return {
        live: verdicts.filter((v) => v.state === "live").map((v) => v.stored),
        stale: verdicts.filter((v) => v.state === "stale").map((v) => v.stored)
      }
    })

  /**
   * The account as the adapter has it, for a link made before the bridge kept a ledger (or whose entry was
   * lost with a memory ledger): read back where the adapter can (`getAccount`), else known only by its key.
   */
  const adoptLink = (key: AccountKey, userId: UserId) =>
    Effect.gen(function*() {
      if (adapter.getAccount === undefined) return linkOnlyAccount(key, userId)
      const getAccount = adapter.getAccount
      const found = yield* plain("getAccount", () => getAccount(key.providerAccountId, key.provider))
      if (found === null || found === undefined) return linkOnlyAccount(key, userId)
      const account = yield* decodeAccount(found)
      return account.userId === userId ? account : linkOnlyAccount(key, userId)
    })

  /** The account's ledger entry, adopting the adapter's link into the ledger if it has none yet. */
  const entryOf = (key: AccountKey, userId: UserId) =>
    Effect.gen(function*() {
      const record = yield* accounts.read(keys.accounts(userId))
      const known = record.accounts.find(isKey(key))
      if (known !== undefined) return known
      const adopted = storedOf(yield* adoptLink(key, userId), null)
      return yield* accounts.update(keys.accounts(userId), (current) => {
        const raced = current.accounts.find(isKey(key))
        return raced !== undefined ? { result: raced } : { result: adopted, next: { accounts: [...current.accounts, adopted] } }
      })
    })

  /** Changes one account's ledger entry in one step; None when the adapter has no such link. */
  const changeEntry = <A>(
    key: AccountKey,
    change: (stored: StoredAccount, now: number) => { readonly result: A; readonly next?: StoredAccount }
  ) =>
    Effect.gen(function*() {
      const owner = yield* getUserByAccount(key)
      if (Option.isNone(owner)) return Option.none<{ readonly result: A; readonly userId: UserId }>()
      const userId = owner.value.id
      const fallback = yield* entryOf(key, userId)
      const now = yield* Clock.currentTimeMillis
      const result = yield* accounts.update(keys.accounts(userId), (record) => {
        const decided = change(record.accounts.find(isKey(key)) ?? fallback, now)
        return decided.next === undefined
          ? { result: decided.result }
          : { result: decided.result, next: replacing(record, key, decided.next) }
      })
      return Option.some({ result, userId })
    })

  const linkAccount = (account: Account) =>
    Effect.gen(function*() {
      if (Option.isNone(yield* bridge.getUser(account.userId))) return yield* new UserNotFound()
      const alreadyLinked = new AccountAlreadyLinked({ provider: account.provider })
      if (Option.isSome(yield* getUserByAccount(account))) return yield* alreadyLinked
      const { stale } = yield* checked(account.userId, (stored) => stored.provider === account.provider)
      const now = yield* Clock.currentTimeMillis
      const key = keys.accounts(account.userId)
      // The reservation is the atomic step of "one account per provider per user": the adapter has no such rule.
      const reserved = yield* accounts.update(key, (record) => {
        const current = without(record, (stored) => stale.some((s) => isKey(keyOf(s))(stored)))
        if (current.accounts.some((stored) => stored.provider === account.provider)) return { result: false }
        return { result: true, next: { accounts: [...current.accounts, storedOf(account, now)] } }
      })
      if (!reserved) return yield* alreadyLinked
      const release = accounts.update(key, (record) => ({ result: undefined, next: without(record, isKey(account)) }))
      // Auth.js's AdapterAccountType lacks "credentials", which authfx keeps as an account too.
      yield* call("linkAccount", () => adapter.linkAccount(toAuthjsAccount(account) as AdapterAccount)).pipe(
        Effect.catch((error) =>
          Effect.andThen(
            Effect.ignore(release),
            Effect.fail(
              error.failure === "UniqueViolation"
                ? alreadyLinked
                : error.failure === "ForeignKeyViolation"
                ? new UserNotFound()
                : unavailable(error)
            )
          )
        )
      )
      yield* accounts.update(key, (record) => {
        const entry = record.accounts.find(isKey(account))
        return entry === undefined ? { result: undefined } : {
          result: undefined,
          next: replacing(record, account, { ...entry, pendingSince: null })
        }
      })
      return account
    })

  const unlinkAccount: Operations["unlinkAccount"] = (key, options) =>
    Effect.gen(function*() {
      const owner = yield* getUserByAccount(key)
      if (Option.isNone(owner)) return Option.none()
      const user = owner.value
      const guard = options?.keepSignInMethod
      // Only accounts the adapter confirms count as another way in; the count and the removal are one step.
      const { stale } = guard === undefined
        ? { stale: [] as ReadonlyArray<StoredAccount> }
        : yield* checked(user.id, (stored) => !isKey(key)(stored))
      const emailWayIn = guard !== undefined && guard.verifiedEmailCounts && user.email !== null &&
        user.emailVerified !== null
      const decision = yield* accounts.update(keys.accounts(user.id), (record) => {
        const entry = record.accounts.find(isKey(key)) ?? null
        const others = record.accounts.filter((stored) =>
          !isKey(key)(stored) && stored.pendingSince === null && !stale.some((s) => isKey(keyOf(s))(stored))
        )
        if (guard !== undefined && others.length === 0 && !emailWayIn) return { result: { refused: true, entry } }
        return { result: { refused: false, entry }, next: without(record, isKey(key)) }
      })
      if (decision.refused) return yield* new LastSignInMethod({ provider: key.provider })
      const removed = decision.entry === null ? yield* adoptLink(key, user.id) : yield* accountOf(decision.entry, user.id)
      const entry = decision.entry
      // The ledger let go first (that is where the guard is atomic); if the adapter then fails, put it back.
      const restore = entry === null
        ? Effect.void
        : accounts.update(keys.accounts(user.id), (record) => ({ result: undefined, next: replacing(record, key, entry) }))
      yield* plain("unlinkAccount", () =>
        adapter.unlinkAccount({ provider: key.provider, providerAccountId: key.providerAccountId })).pipe(
          Effect.tapError(() => Effect.ignore(restore))
        )
      return Option.some(removed)
    })

  const getAccount = (key: AccountKey) =>
    Effect.gen(function*() {
      const owner = yield* getUserByAccount(key)
      if (Option.isNone(owner)) return Option.none<Account>()
      return Option.some(yield* accountOf(yield* entryOf(key, owner.value.id), owner.value.id))
    })

  const listAccounts = (userId: UserId) =>
    Effect.flatMap(checked(userId, () => true), ({ live }) => Effect.forEach(live, (stored) => accountOf(stored, userId)))

  const getUserAccount = (userId: UserId, provider: ProviderId) =>
    Effect.flatMap(checked(userId, (stored) => stored.provider === provider), ({ live }) => {
      const [first] = live
      return first === undefined ? Effect.succeedNone : Effect.asSome(accountOf(first, userId))
    })

  const updateAccountTokens = (key: AccountKey, tokens: TokenSet) =>
    Effect.flatMap(
      changeEntry(key, (stored) => {
        const next: StoredAccount = { ...stored, ...withTokensOf(tokens) }
        return { result: next, next }
      }),
      (changed): Effect.Effect<Account, AccountNotFound | UsersUnavailable> =>
        Option.isNone(changed)
          ? Effect.fail(new AccountNotFound({ provider: key.provider }))
          : accountOf(changed.value.result, changed.value.userId)
    )

  // A compare-and-set in the ledger (as atomic as the ledger is), over the tokens authfx reads: the ledger's.
  const updateAccountIf = (key: AccountKey, expected: TokenSecrets, change: AccountChange) =>
    Effect.gen(function*() {
      const changed = yield* changeEntry(key, (stored): { result: StoredAccount | null; next?: StoredAccount } => {
        const holds = stored.accessToken === revealed(expected.accessToken) &&
          stored.refreshToken === revealed(expected.refreshToken) && stored.idToken === revealed(expected.idToken)
        if (!holds) return { result: null }
        const next: StoredAccount = {
          ...stored,
          ...(change.tokens === undefined ? {} : storedTokensOf({ ...tokenSetOf(stored), ...change.tokens })),
          ...(change.needsReauth === undefined ? {} : { needsReauth: change.needsReauth })
        }
        return { result: next, next }
      })
      if (Option.isNone(changed) || changed.value.result === null) return Option.none<Account>()
      return Option.some(yield* accountOf(changed.value.result, changed.value.userId))
    })

  return {
    // Auth.js's Adapter has no method that lists accounts, nor does the ledger index them all.
    pageAccounts: () => Effect.fail(new AccountListingUnsupported()),
    updateAccountIf,
    linkAccount,
    unlinkAccount,
    getAccount,
    listAccounts,
    getUserAccount,
    updateAccountTokens
  }
}

const revealed = (value: Redacted.Redacted<string> | null) => (value === null ? null : Redacted.value(value))

/** The token fields of a ledger entry, as they are stored. */
const storedTokensOf = (tokens: TokenSet) => ({
  accessToken: revealed(tokens.accessToken),
  refreshToken: revealed(tokens.refreshToken),
  idToken: revealed(tokens.idToken),
  expiresAt: tokens.expiresAt === null ? null : tokens.expiresAt.getTime(),
  tokenType: tokens.tokenType,
  scope: tokens.scope,
  sessionState: tokens.sessionState
})

/** And back. */
const tokenSetOf = (stored: StoredAccount): TokenSet => ({
  accessToken: stored.accessToken === null ? null : Redacted.make(stored.accessToken),
  refreshToken: stored.refreshToken === null ? null : Redacted.make(stored.refreshToken),
  idToken: stored.idToken === null ? null : Redacted.make(stored.idToken),
  expiresAt: stored.expiresAt === null ? null : new Date(stored.expiresAt),
  tokenType: stored.tokenType,
  scope: stored.scope,
  sessionState: stored.sessionState
})

/** A fresh answer from the provider: its tokens replace the stored ones, and `needsReauth` is over. */
const withTokensOf = (tokens: TokenSet) => ({ ...storedTokensOf(tokens), needsReauth: false })
