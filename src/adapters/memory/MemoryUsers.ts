import { Clock, Effect, Layer, Option, Redacted } from "effect"
import type { Account, AccountKey } from "../../domain/Account.ts"
import type { Session } from "../../domain/Session.ts"
import type { Email, User, UserId } from "../../domain/User.ts"
import type { VerificationToken } from "../../domain/VerificationToken.ts"
import {
  AccountAlreadyLinked,
  AccountNotFound,
  EmailTaken,
  LastSignInMethod,
  type RefreshClaim,
  type TokenSecrets,
  UserNotFound,
  Users
} from "../../ports/Users.ts"

const accountId = (key: AccountKey) => `${key.provider}\u0000${key.providerAccountId}`
const tokenId = (identifier: string, tokenHash: string) => `${identifier}\u0000${tokenHash}`
const viaId = (userId: UserId, via: string) => `${userId}\u0000${via}`

/** Key order: provider, then the provider's id (code-unit order, as `<` compares strings). */
const compareKeys = (a: AccountKey, b: AccountKey) =>
  a.provider !== b.provider
    ? (a.provider < b.provider ? -1 : 1)
    : a.providerAccountId === b.providerAccountId
    ? 0
    : (a.providerAccountId < b.providerAccountId ? -1 : 1)

// Not constant-time: both sides come from this store (a maintenance program read them), never from a request.
const sameSecret = (a: Redacted.Redacted<string> | null, b: Redacted.Redacted<string> | null) =>
  a === null || b === null ? a === b : Redacted.value(a) === Redacted.value(b)

const holds = (account: Account, secrets: TokenSecrets) =>
  sameSecret(account.accessToken, secrets.accessToken) && sameSecret(account.refreshToken, secrets.refreshToken) &&
  sameSecret(account.idToken, secrets.idToken)

/** Expired verification tokens and revocations are swept this often (in writes), so memory stays bounded. */
const sweepEvery = 256

/**
 * The in-memory Users: a real implementation (the conformance suite runs against it), used by the
 * property tests and the demo. Every operation is one synchronous step, which is what makes consuming
 * a token or guarding an unlink atomic here; the database adapters get the same from SQL.
 */
export const make = Effect.sync(() => {
  const users = new Map<UserId, User>()
  const userByEmail = new Map<Email, UserId>()
  const accounts = new Map<string, Account>()
  const sessions = new Map<string, Session>()
  const verificationTokens = new Map<string, VerificationToken>()
  const revokedJtis = new Map<string, number>()
  const revokedUsers = new Map<string, { readonly before: number; readonly until: number }>()
  const refreshClaims = new Map<string, RefreshClaim>()
  let writes = 0

  const sweep = (now: number) => {
    if (++writes % sweepEvery !== 0) return
    for (const [id, token] of verificationTokens) if (token.expires.getTime() <= now) verificationTokens.delete(id)
    for (const [jti, until] of revokedJtis) if (until <= now) revokedJtis.delete(jti)
    for (const [scope, entry] of revokedUsers) if (entry.until <= now) revokedUsers.delete(scope)
  }

  const accountsOf = (userId: UserId) => [...accounts.values()].filter((account) => account.userId === userId)

  const withNow = <A>(f: (now: number) => A) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => f(now)))

  return Users.of({
    createUser: (input) =>
      Effect.suspend<User, EmailTaken, never>(() => {
        if (input.email !== null && userByEmail.has(input.email)) return Effect.fail(new EmailTaken())
        const user: User = { id: crypto.randomUUID() as UserId, ...input }
        users.set(user.id, user)
        if (user.email !== null) userByEmail.set(user.email, user.id)
        return Effect.succeed(user)
      }),
    getUser: (id) => Effect.sync(() => Option.fromNullishOr(users.get(id))),
    getUserByEmail: (email) =>
      Effect.sync(() => Option.flatMap(Option.fromNullishOr(userByEmail.get(email)), (id) => Option.fromNullishOr(users.get(id)))),
    getUserByAccount: (key) =>
      Effect.sync(() =>
        Option.flatMap(Option.fromNullishOr(accounts.get(accountId(key))), (account) => Option.fromNullishOr(users.get(account.userId)))
      ),
    updateUser: (id, patch) =>
      Effect.suspend<User, UserNotFound | EmailTaken, never>(() => {
        const user = users.get(id)
        if (user === undefined) return Effect.fail(new UserNotFound())
        const email = patch.email === undefined ? user.email : patch.email
        if (email !== null && email !== user.email && userByEmail.has(email)) return Effect.fail(new EmailTaken())
        const updated: User = {
          id,
          name: patch.name === undefined ? user.name : patch.name,
          email,
          emailVerified: patch.emailVerified === undefined ? user.emailVerified : patch.emailVerified,
          image: patch.image === undefined ? user.image : patch.image
        }
        if (user.email !== null) userByEmail.delete(user.email)
        if (email !== null) userByEmail.set(email, id)
        users.set(id, updated)
        return Effect.succeed(updated)
      }),
    deleteUser: (id) =>
      Effect.sync(() => {
        const user = users.get(id)
        if (user === undefined) return false
        users.delete(id)
        if (user.email !== null) userByEmail.delete(user.email)
        for (const [key, account] of accounts) {
          if (account.userId === id) {
            accounts.delete(key)
            refreshClaims.delete(key)
          }
        }
        for (const [hash, session] of sessions) if (session.userId === id) sessions.delete(hash)
        return true
      }),

    linkAccount: (account) =>
      Effect.suspend<Account, UserNotFound | AccountAlreadyLinked, never>(() => {
        if (!users.has(account.userId)) return Effect.fail(new UserNotFound())
        const id = accountId(account)
        const sameProvider = accountsOf(account.userId).some((a) => a.provider === account.provider)
        if (accounts.has(id) || sameProvider) return Effect.fail(new AccountAlreadyLinked({ provider: account.provider }))
        accounts.set(id, account)
        return Effect.succeed(account)
      }),
    unlinkAccount: (key, options) =>
      Effect.suspend<Option.Option<Account>, LastSignInMethod, never>(() => {
        const id = accountId(key)
        const account = accounts.get(id)
        if (account === undefined) return Effect.succeedNone
        const guard = options?.keepSignInMethod
        if (guard !== undefined) {
          const user = users.get(account.userId)
          const others = accountsOf(account.userId).length - 1
          const emailWayIn = guard.verifiedEmailCounts && user !== undefined && user.email !== null &&
            user.emailVerified !== null
          if (others === 0 && !emailWayIn) return Effect.fail(new LastSignInMethod({ provider: key.provider }))
        }
        accounts.delete(id)
        refreshClaims.delete(id)
        return Effect.succeed(Option.some(account))
      }),
    getAccount: (key) => Effect.sync(() => Option.fromNullishOr(accounts.get(accountId(key)))),
    listAccounts: (userId) => Effect.sync(() => accountsOf(userId)),
    getUserAccount: (userId, provider) =>
      Effect.sync(() => Option.fromNullishOr(accountsOf(userId).find((account) => account.provider === provider))),
    updateAccountTokens: (key, tokens) =>
      Effect.suspend<Account, AccountNotFound, never>(() => {
        const id = accountId(key)
        const account = accounts.get(id)
        if (account === undefined) return Effect.fail(new AccountNotFound({ provider: key.provider }))
        const updated: Account = { ...account, ...tokens, needsReauth: false }
        accounts.set(id, updated)
        return Effect.succeed(updated)
      }),
    claimTokenRefresh: (key, claim) =>
      withNow((now) => {
        const id = accountId(key)
        if (!accounts.has(id)) return false
        const held = refreshClaims.get(id)
        if (held !== undefined && held.holder !== claim.holder && held.until.getTime() > now) return false
        refreshClaims.set(id, claim)
        return true
      }),
    completeTokenRefresh: (key, holder, outcome) =>
      Effect.sync(() => {
        const id = accountId(key)
        const held = refreshClaims.get(id)
        const account = accounts.get(id)
        if (held === undefined || held.holder !== holder || account === undefined) return Option.none()
        refreshClaims.delete(id)
        if (Option.isNone(outcome)) return Option.some(account)
        const updated: Account = outcome.value._tag === "Refreshed"
          ? { ...account, ...outcome.value.tokens, needsReauth: false }
          : { ...account, needsReauth: true }
        accounts.set(id, updated)
        return Option.some(updated)
      }),
    pageAccounts: (after, limit) =>
      Effect.sync(() =>
        [...accounts.values()]
          .filter((account) => after === null || compareKeys(account, after) > 0)
          .sort(compareKeys)
          .slice(0, limit)
      ),
    replaceAccountSecrets: (key, expected, next) =>
      Effect.sync(() => {
        const id = accountId(key)
        const account = accounts.get(id)
        if (account === undefined || !holds(account, expected)) return false
        const { accessToken, idToken, refreshToken } = next
        accounts.set(id, { ...account, accessToken, refreshToken, idToken })
        return true
      }),

    createSession: (session) =>
      Effect.suspend<Session, UserNotFound, never>(() => {
        if (!users.has(session.userId)) return Effect.fail(new UserNotFound())
        sessions.set(session.tokenHash, session)
        return Effect.succeed(session)
      }),
    getSessionAndUser: (tokenHash) =>
      Effect.sync(() => {
        const session = sessions.get(tokenHash)
        const user = session === undefined ? undefined : users.get(session.userId)
        return session === undefined || user === undefined ? Option.none() : Option.some({ session, user })
      }),
    updateSessionExpiry: (tokenHash, expires) =>
      Effect.sync(() => {
        const session = sessions.get(tokenHash)
        if (session === undefined) return Option.none()
        const updated: Session = { ...session, expires }
        sessions.set(tokenHash, updated)
        return Option.some(updated)
      }),
    deleteSession: (tokenHash) =>
      Effect.sync(() => {
        const session = sessions.get(tokenHash)
        sessions.delete(tokenHash)
        return Option.fromNullishOr(session)
      }),
    deleteUserSessions: (userId, options) =>
      Effect.sync(() => {
        let count = 0
        for (const [hash, session] of sessions) {
          if (session.userId === userId && (options?.via === undefined || session.via === options.via)) {
            sessions.delete(hash)
            count++
          }
        }
        return count
      }),

    createVerificationToken: (token) =>
      withNow((now) => {
        sweep(now)
        verificationTokens.set(tokenId(token.identifier, token.tokenHash), token)
      }),
    consumeVerificationToken: (identifier, tokenHash) =>
      Effect.sync(() => {
        const id = tokenId(identifier, tokenHash)
        const token = verificationTokens.get(id)
        verificationTokens.delete(id)
        return Option.fromNullishOr(token)
      }),

    revokeTokenId: (jti, until) =>
      withNow((now) => {
        sweep(now)
        revokedJtis.set(jti, Math.max(revokedJtis.get(jti) ?? 0, until.getTime()))
      }),
    revokeUserTokens: (userId, issuedAtOrBefore, until, options) =>
      withNow((now) => {
        sweep(now)
        // A user-wide entry is keyed by the user id, one narrowed to a provider by user id and provider.
        const scope = options?.via === undefined ? userId : viaId(userId, options.via)
        const previous = revokedUsers.get(scope)
        revokedUsers.set(scope, {
          before: Math.max(previous?.before ?? 0, issuedAtOrBefore.getTime()),
          until: Math.max(previous?.until ?? 0, until.getTime())
        })
      }),
    isTokenRevoked: (token) =>
      withNow((now) => {
        const jtiUntil = revokedJtis.get(token.jti)
        if (jtiUntil !== undefined && jtiUntil > now) return true
        const covers = (entry: { readonly before: number; readonly until: number } | undefined) =>
          entry !== undefined && entry.until > now && token.issuedAt.getTime() <= entry.before
        return covers(revokedUsers.get(token.userId)) ||
          (token.via !== null && covers(revokedUsers.get(viaId(token.userId, token.via))))
      })
  })
})

export const layer: Layer.Layer<Users> = Layer.effect(Users, make)
