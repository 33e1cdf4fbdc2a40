/**
 * OAuth tokens sealed at rest, for every Users: a decorator over the port that seals an account's access,
 * refresh and ID token on every write and opens them on every read, with the KeyStore's `tokens` keys
 * (AES-256-GCM, bound to the account and the field; see sealedValue.ts). The store underneath keeps only
 * sealed values, so a copied database, a backup or a log of its rows holds no usable token; the domain above
 * sees the tokens as they were.
 *
 * ```ts
 * const users = SealedTokensUsers.layer(PostgresUsers.layer).pipe(Layer.provide(keyStore))
 * ```
 * `createAuth` and `authHttpApp` wrap whatever `users` they are given; build it yourself only to reach the
 * store outside them (`toAuthjsAdapter`, a script).
 *
 * Reading is forgiving, so that no account is lost:
 * - A value without the sealed prefix is plain text (every token stored before this decorator existed) and
 *   reads as it is.
 * - A value sealed under a key that still verifies but is no longer current (after `rotate("tokens")`) reads
 *   as it is.
 * - A value no verification key opens (its key retired, its secret dropped, or it was moved from another row)
 *   reads as no token, with a warning that names the provider and the field, never the value: the account then
 *   needs a new sign-in (`ReauthRequired`), instead of failing every request that reads it.
 *
 * Plain and stale values are sealed again under the current key as they are read, and by `sealStoredTokens`
 * (every account, a page at a time; `createAuth` runs it at start). Both write through the store's
 * `updateAccountIf`, a compare-and-set on the values just read: a token refresh or a sign-in that wrote in
 * between wins, and the rewrite is dropped (what that writer stored is sealed under the current key anyway).
 * A plain read-then-write could put a refresh token back that the provider has already rotated out, and the
 * refresh claim is no lock for it (a sign-in's `updateAccountTokens` does not take the claim). A value that
 * does not open is never rewritten: restoring the secret it was sealed under makes it readable again.
 */
import { Context, Effect, Layer, Option } from "effect"
import { type Account, type AccountKey, accountKeyOf, sameTokenSecrets } from "../../domain/Account.ts"
import { KeyStore, KeyStoreUnavailable } from "../../ports/KeyStore.ts"
import { type AccountChange, type TokenSecrets, Users, UsersUnavailable } from "../../ports/Users.ts"
import { secretFields } from "./sealedValue.ts"
import { makeTokenSealer, type Opened } from "./tokenSealer.ts"
import { sealedTwoFactor } from "./sealedTwoFactor.ts"

/** What `sealStoredTokens` did. */
export interface SealingReport {
  /** False when the store cannot list its accounts (the Auth.js bridge): its accounts are sealed as they are read. */
  readonly listed: boolean
  /** Accounts visited. */
  readonly accounts: number
  /** Accounts whose tokens were sealed (again) under the current key. */
  readonly sealed: number
  /** Accounts holding a token that no verification key opens: they read as having no token. */
  readonly unreadable: number
}

export interface SealingOptions {
  /** Accounts read per page. Default 100. */
  readonly pageSize?: number
}

/** The maintenance half of the decorator, for a store whose tokens it seals. */
export class TokenSealing extends Context.Service<TokenSealing, {
  /**
   * Visits every account and seals, under the current `tokens` key, each token still in plain text or under an
   * older key. Safe to run on every node at once and again: each account is one compare-and-set.
   */
  readonly sealStoredTokens: (
    options?: SealingOptions
  ) => Effect.Effect<SealingReport, UsersUnavailable | KeyStoreUnavailable>
}>()("authfx/TokenSealing") {}

const secretsOf = (tokens: TokenSecrets): TokenSecrets => ({
  accessToken: tokens.accessToken,
  refreshToken: tokens.refreshToken,
  idToken: tokens.idToken
})

const keysDown = (error: KeyStoreUnavailable) =>
  new UsersUnavailable({ message: `the tokens key could not be read: ${error.message}`, cause: error })

/** The KeyStore's failure as the port's: to a caller of the Users, a key table that is down is a store that is down. */
const orStoreDown = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, KeyStoreUnavailable> | UsersUnavailable, R> =>
  Effect.mapError(effect, (error) => (error instanceof KeyStoreUnavailable ? keysDown(error) : error)) as Effect.Effect<
    A,
    Exclude<E, KeyStoreUnavailable> | UsersUnavailable,
    R
  >

/** The stores this module made, so that wrapping one twice seals once. */
const made = new WeakMap<Users["Service"], TokenSealing["Service"]>()

/** The decorator over `inner`, and its maintenance program. */
export const make = (inner: Users["Service"], keys: KeyStore["Service"]) => {
  const known = made.get(inner)
  if (known !== undefined) return { store: inner, sealing: known }
  const sealer = makeTokenSealer(keys)

  const sealTokens = <A extends TokenSecrets>(account: AccountKey, value: A) =>
    Effect.map(sealer.sealTokens(account, secretsOf(value)), (sealed): A => ({ ...value, ...sealed }))

  const warnUnreadable = (account: Account, opened: Opened) =>
    opened.unreadable.length === 0 ? Effect.void : Effect.logWarning(
      `authfx: the stored ${opened.unreadable.join(", ")} of a ${account.provider} account opens with no tokens key ` +
        "(its key retired, its secret is no longer configured, or the value was moved): it reads as absent, " +
        "so the account needs a new sign-in"
    )

  /** The account as stored, opened. */
  const open = (stored: Account) =>
    Effect.tap(sealer.openTokens(stored, secretsOf(stored)), (opened) => warnUnreadable(stored, opened))

  /**
   * Seals again, under the current key, the fields `opened` found in plain text or under an older key, if the
   * row still holds what was read; true when it wrote. Fields that did not open stay as they are.
   */
  const sealStale = (stored: Account, opened: Opened) =>
    Effect.gen(function*() {
      if (opened.stale.length === 0) return false
      const fresh = yield* sealer.sealTokens(stored, opened.secrets)
      const next = { ...secretsOf(stored) }
      for (const field of opened.stale) next[field] = fresh[field]
      const written = yield* inner.updateAccountIf(accountKeyOf(stored), secretsOf(stored), { tokens: next })
      return Option.isSome(written)
    })

  /** For results of writes: opened, nothing written back. */
  const reveal = (stored: Account) => Effect.map(open(stored), (opened): Account => ({ ...stored, ...opened.secrets }))

  /** For reads: opened, and sealed again where stale. A failed rewrite is dropped; the next read tries again. */
  const read = (stored: Account) =>
    Effect.gen(function*() {
      const opened = yield* open(stored)
      yield* sealStale(stored, opened).pipe(
        Effect.catch((error) => Effect.logDebug(`authfx: sealing a stored token again failed (${error._tag})`))
      )
      return { ...stored, ...opened.secrets } satisfies Account
    })

  const readOption = (found: Option.Option<Account>) =>
    Option.isNone(found) ? Effect.succeedNone : Effect.asSome(read(found.value))
  const readAll = (found: ReadonlyArray<Account>) => Effect.forEach(found, read)
  const revealOption = (found: Option.Option<Account>) =>
    Option.isNone(found) ? Effect.succeedNone : Effect.asSome(reveal(found.value))

  /** The change as it is to be stored: the secrets it names sealed for their fields, the rest as given. */
  const sealChange = (key: AccountKey, change: AccountChange) =>
    Effect.gen(function*() {
      const tokens = change.tokens
      if (tokens === undefined) return change
      const sealed = yield* sealer.sealTokens(key, {
        accessToken: tokens.accessToken ?? null,
        refreshToken: tokens.refreshToken ?? null,
        idToken: tokens.idToken ?? null
      })
      const named = Object.fromEntries(secretFields.filter((field) => field in tokens).map((field) => [field, sealed[field]]))
      return { ...change, tokens: { ...tokens, ...named } } satisfies AccountChange
    })

  const twoFactor = sealedTwoFactor(inner, sealer)
  const store = Users.of({
    ...inner,
    getTwoFactor: (userId) => orStoreDown(twoFactor.getTwoFactor(userId)),
    startTwoFactor: (pending) => orStoreDown(twoFactor.startTwoFactor(pending)),
    linkAccount: (account) =>
      orStoreDown(Effect.flatMap(sealTokens(account, account), inner.linkAccount).pipe(Effect.flatMap(reveal))),
    unlinkAccount: (key, options) => orStoreDown(Effect.flatMap(inner.unlinkAccount(key, options), revealOption)),
    getAccount: (key) => orStoreDown(Effect.flatMap(inner.getAccount(key), readOption)),
    listAccounts: (userId) => orStoreDown(Effect.flatMap(inner.listAccounts(userId), readAll)),
    getUserAccount: (userId, provider) => orStoreDown(Effect.flatMap(inner.getUserAccount(userId, provider), readOption)),
    updateAccountTokens: (key, tokens) =>
      orStoreDown(
        Effect.flatMap(sealTokens(key, tokens), (sealed) => inner.updateAccountTokens(key, sealed)).pipe(
          Effect.flatMap(reveal)
        )
      ),
    pageAccounts: (after, limit) => orStoreDown(Effect.flatMap(inner.pageAccounts(after, limit), readAll)),
    // The caller compares tokens as it reads them; the store compares what it keeps: the row's sealed values.
    updateAccountIf: (key, expected, change) =>
      orStoreDown(Effect.gen(function*() {
        const found = yield* inner.getAccount(key)
        if (Option.isNone(found)) return Option.none<Account>()
        const opened = yield* open(found.value)
        if (!sameTokenSecrets(opened.secrets, expected)) return Option.none<Account>()
        const written = yield* inner.updateAccountIf(key, secretsOf(found.value), yield* sealChange(key, change))
        return yield* revealOption(written)
      }))
  })

  const sealStoredTokens = (options: SealingOptions = {}) =>
    Effect.gen(function*() {
      const pageSize = options.pageSize ?? 100
      const report = { listed: true, accounts: 0, sealed: 0, unreadable: 0 }
      let after: AccountKey | null = null
      while (true) {
        const page: ReadonlyArray<Account> | null = yield* inner.pageAccounts(after, pageSize).pipe(
          Effect.catchTag("AccountListingUnsupported", () => Effect.succeed(null))
        )
        if (page === null) return { ...report, listed: false }
        if (page.length === 0) return report
        for (const stored of page) {
          const opened = yield* sealer.openTokens(stored, secretsOf(stored))
          report.accounts++
          if (opened.unreadable.length > 0) report.unreadable++
          if (yield* sealStale(stored, opened)) report.sealed++
        }
        after = accountKeyOf(page[page.length - 1]!)
      }
    })

  const sealing = TokenSealing.of({ sealStoredTokens })
  made.set(store, sealing)
  return { store, sealing }
}


/** Runs `sealStoredTokens` once and says what it did; a failure is logged, never fatal (reads seal as they go). */
const sealOnce = (sealing: TokenSealing["Service"]) =>
  sealing.sealStoredTokens().pipe(
    Effect.flatMap((report) =>
      !report.listed
        ? Effect.logInfo("authfx: this Users cannot list its accounts; their tokens are sealed as they are read")
        : report.sealed === 0 && report.unreadable === 0
        ? Effect.void
        : Effect.logInfo(
          `authfx: sealed the tokens of ${report.sealed} of ${report.accounts} accounts under the current key` +
            (report.unreadable === 0 ? "" : `; ${report.unreadable} hold a token no key opens (they need a new sign-in)`)
        )
    ),
    Effect.catch((error) => Effect.logWarning(`authfx: sealing stored tokens stopped: ${error.message}`))
  )

export interface Options {
  /**
   * Run `sealStoredTokens` in the background once the layer is built (it stops with the layer). `createAuth` does,
   * so that every row gets sealed without an operator's step. Default false.
   */
  readonly sealStoredTokensAtStart?: boolean
}

/** Seals the tokens of the Users in context, with the KeyStore in context; also gives `TokenSealing`. */
export const sealing = (options: Options = {}): Layer.Layer<Users | TokenSealing, never, Users | KeyStore> =>
  Layer.effectContext(Effect.gen(function*() {
    const built = make(yield* Users, yield* KeyStore)
    if (options.sealStoredTokensAtStart === true) yield* Effect.forkScoped(sealOnce(built.sealing))
    return Context.make(Users, built.store).pipe(Context.add(TokenSealing, built.sealing))
  }))

/** `inner` with its tokens sealed at rest, over the KeyStore in context. */
export const layer = <E, R>(
  inner: Layer.Layer<Users, E, R>,
  options?: Options
): Layer.Layer<Users | TokenSealing, E, R | KeyStore> => sealing(options).pipe(Layer.provide(inner))
