import type { AdapterAccount } from "@auth/core/adapters"
import { Clock, Effect, Option } from "effect"
import {
  type Account,
  type AccountKey,
  accountKeyOf,
  type ProviderId,
  sameAccount,
  sameTokenSecrets,
  type TokenSet
} from "../../domain/Account.ts"
import { decideUnlink } from "../../domain/linkDecision.ts"
import type { UserId } from "../../domain/User.ts"
import {
  AccountAlreadyLinked,
  AccountListingUnsupported,
  AccountNotFound,
  type AccountChange,
  LastSignInMethod,
  type TokenSecrets,
  UserNotFound,
  type Users,
  type UsersUnavailable
} from "../../ports/Users.ts"
import { unavailable } from "./adapterCalls.ts"
import { decodeAccount, linkOnlyAccount, toAuthjsAccount } from "./authjsRecords.ts"
import type { Bridge } from "./bridge.ts"
import { accountOf, type AccountsIndex, type IndexedAccount, indexedOf, keys } from "./ledgerIndexes.ts"

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
  readonly indexed: IndexedAccount
  readonly state: "pending" | "live" | "stale"
}

const without = (index: AccountsIndex, drop: (indexed: IndexedAccount) => boolean): AccountsIndex => ({
  accounts: index.accounts.filter((indexed) => !drop(indexed))
})

const replacing = (index: AccountsIndex, key: AccountKey, next: IndexedAccount): AccountsIndex => ({
  accounts: [...without(index, (indexed) => sameAccount(indexed, key)).accounts, next]
})

const among = (list: ReadonlyArray<AccountKey>) => (indexed: IndexedAccount) => list.some((key) => sameAccount(key, indexed))


/**
 * The accounts half of the bridge. The adapter is the authority on who owns a provider account (its
 * `getUserByAccount`); the user's index lists their accounts and holds what Auth.js cannot: current tokens
 * (Auth.js has no update, pg and Kysely not even a read) and `needsReauth`. Index entries are checked against
 * the adapter before they are believed, so a link removed behind the bridge's back (Auth.js still running
 * beside authfx, a script) drops out instead of blocking the provider or counting as a way in.
 */
export const accountOperations = (bridge: Bridge): Operations => {
  const { accounts, adapter, call, getUserByAccount, plain } = bridge

  /** The entries of the user's index that the adapter confirms (and fresh reservations), and the stale ones. */
  const checked = (userId: UserId, which: (indexed: IndexedAccount) => boolean) =>
    Effect.gen(function*() {
      const index = yield* accounts.read(keys.accounts(userId))
      const now = yield* Clock.currentTimeMillis
      const verdicts = yield* Effect.forEach(
        index.accounts.filter(which),
        (indexed): Effect.Effect<Verdict, UsersUnavailable> =>
          indexed.pendingSince !== null && now - indexed.pendingSince < pendingGrace
            ? Effect.succeed({ indexed, state: "pending" as const })
            : Effect.map(getUserByAccount(indexed), (owner) => ({
              indexed,
              state: Option.isSome(owner) && owner.value.id === userId ? "live" as const : "stale" as const
            })),
        { concurrency: 8 }
      )
      return {
        live: verdicts.filter((v) => v.state === "live").map((v) => v.indexed),
        stale: verdicts.filter((v) => v.state === "stale").map((v) => accountKeyOf(v.indexed))
      }
    })

  /**
   * The account as the adapter has it, for a link the index does not know (made by Auth.js, or before the
   * bridge kept its indexes in this Ledger): read back where the adapter can (`getAccount`), else known only
   * by its key.
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

  /** The account's index entry, adopting the adapter's link into the index if it has none yet. */
  const entryOf = (key: AccountKey, userId: UserId) =>
    Effect.gen(function*() {
      const index = yield* accounts.read(keys.accounts(userId))
      const known = index.accounts.find((indexed) => sameAccount(indexed, key))
      if (known !== undefined) return known
      const adopted = indexedOf(yield* adoptLink(key, userId), null)
      return yield* accounts.update(keys.accounts(userId), (current) => {
        const raced = current.accounts.find((indexed) => sameAccount(indexed, key))
        return raced !== undefined ? { result: raced } : { result: adopted, next: { accounts: [...current.accounts, adopted] } }
      })
    })

  /** Changes one account's index entry in one step; None when the adapter has no such link. */
  const changeEntry = (key: AccountKey, change: (indexed: IndexedAccount) => IndexedAccount | null) =>
    Effect.gen(function*() {
      const owner = yield* getUserByAccount(key)
      if (Option.isNone(owner)) return Option.none<Account | null>()
      const userId = owner.value.id
      const fallback = yield* entryOf(key, userId)
      const changed = yield* accounts.update(keys.accounts(userId), (index) => {
        const next = change(index.accounts.find((indexed) => sameAccount(indexed, key)) ?? fallback)
        return next === null ? { result: null } : { result: next, next: replacing(index, key, next) }
      })
      return Option.some(changed === null ? null : accountOf(changed, userId))
    })

  const linkAccount = (account: Account) =>
    Effect.gen(function*() {
      if (Option.isNone(yield* bridge.getUser(account.userId))) return yield* new UserNotFound()
      const alreadyLinked = new AccountAlreadyLinked({ provider: account.provider })
      if (Option.isSome(yield* getUserByAccount(account))) return yield* alreadyLinked
      // Each passkey is an account of its own: webauthn accounts are not held to one per provider.
      const oneOnly = (indexed: IndexedAccount) => account.type !== "webauthn" && indexed.provider === account.provider
      const { stale } = yield* checked(account.userId, oneOnly)
      const now = yield* Clock.currentTimeMillis
      const key = keys.accounts(account.userId)
      // The reservation is the atomic step of "one account per provider per user": the adapter has no such rule.
      const reserved = yield* accounts.update(key, (index) => {
        const current = without(index, among(stale))
        if (current.accounts.some(oneOnly)) return { result: false }
        return { result: true, next: { accounts: [...current.accounts, indexedOf(account, now)] } }
      })
      if (!reserved) return yield* alreadyLinked
      const release = accounts.update(key, (index) => ({ result: undefined, next: without(index, among([account])) }))
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
      yield* accounts.update(key, (index) => {
        const entry = index.accounts.find((indexed) => sameAccount(indexed, account))
        return entry === undefined ? { result: undefined } : {
          result: undefined,
          next: replacing(index, account, { ...entry, pendingSince: null })
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
      // Only accounts the adapter confirms count as another way in (a reservation does not).
      const { stale } = guard === undefined
        ? { stale: [] }
        : yield* checked(user.id, (indexed) => !sameAccount(indexed, key))
      // The rule is the domain's (`decideUnlink`, src/domain/linkDecision.ts); the index only makes the count
      // and the removal one compare-and-set, so two concurrent unlinks of a user's last two ways in cannot both pass.
      type Decision = { readonly refused: boolean; readonly entry: IndexedAccount | null }
      const decision = yield* accounts.update<Decision>(keys.accounts(user.id), (index) => {
        const entry = index.accounts.find((indexed) => sameAccount(indexed, key)) ?? null
        const refused = guard !== undefined && decideUnlink({
          user,
          accounts: without(index, (indexed) => indexed.pendingSince !== null || among(stale)(indexed)).accounts
            .map((indexed) => accountOf(indexed, user.id)),
          target: entry === null ? linkOnlyAccount(key, user.id) : accountOf(entry, user.id),
          emailSignInEnabled: guard.verifiedEmailCounts
        })._tag === "Refuse"
        return refused ? { result: { refused, entry } } : { result: { refused, entry }, next: without(index, among([key])) }
      })
      if (decision.refused) return yield* new LastSignInMethod({ provider: key.provider })
      const entry = decision.entry
      const removed = entry === null ? yield* adoptLink(key, user.id) : accountOf(entry, user.id)
      // The index let go first (that is where the guard is atomic); if the adapter then fails, put it back.
      const restore = entry === null
        ? Effect.void
        : accounts.update(keys.accounts(user.id), (index) => ({ result: undefined, next: replacing(index, key, entry) }))
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
      return Option.some(accountOf(yield* entryOf(key, owner.value.id), owner.value.id))
    })

  const listAccounts = (userId: UserId) =>
    Effect.map(checked(userId, () => true), ({ live }) => live.map((indexed) => accountOf(indexed, userId)))

  const getUserAccount = (userId: UserId, provider: ProviderId) =>
    Effect.map(checked(userId, (indexed) => indexed.provider === provider), ({ live }) =>
      Option.map(Option.fromNullishOr(live[0]), (indexed) => accountOf(indexed, userId)))

  // A fresh answer from the provider: its tokens replace the indexed ones, and `needsReauth` is over.
  const updateAccountTokens = (key: AccountKey, tokens: TokenSet) =>
    Effect.flatMap(
      changeEntry(key, (indexed) => ({ ...indexed, ...tokens, needsReauth: false })),
      (changed): Effect.Effect<Account, AccountNotFound> =>
        Option.isSome(changed) && changed.value !== null
          ? Effect.succeed(changed.value)
          : Effect.fail(new AccountNotFound({ provider: key.provider }))
    )

  // A compare-and-set in the index (as atomic as the Ledger is), over the tokens authfx reads: the index's.
  const updateAccountIf = (key: AccountKey, expected: TokenSecrets, change: AccountChange) =>
    Effect.map(
      changeEntry(key, (indexed) =>
        sameTokenSecrets(indexed, expected)
          ? {
            ...indexed,
            ...change.tokens,
            ...(change.needsReauth === undefined ? {} : { needsReauth: change.needsReauth })
          }
          : null),
      (changed) => Option.flatMap(changed, Option.fromNullishOr)
    )

  return {
    // Auth.js's Adapter has no method that lists accounts, nor does the Ledger index them all.
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
