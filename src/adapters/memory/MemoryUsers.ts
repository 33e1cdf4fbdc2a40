import { Effect, Layer, Option } from "effect"
import { type Account, type AccountKey, sameTokenSecrets } from "../../domain/Account.ts"
import type { Authenticator } from "../../domain/Passkey.ts"
import type { Session } from "../../domain/Session.ts"
import { keepsAWayIn } from "../../domain/linkDecision.ts"
import { linksBeyondCap } from "../../domain/pendingLinks.ts"
import type { Email, User, UserId } from "../../domain/User.ts"
import type { VerificationToken } from "../../domain/VerificationToken.ts"
import * as EnrolmentState from "../../domain/twoFactor/enrolmentState.ts"
import {
  AccountAlreadyLinked,
  AccountNotFound,
  AuthenticatorExists,
  EmailTaken,
  LastSignInMethod,
  type SessionAndUser,
  UserNotFound,
  Users
} from "../../ports/Users.ts"

const accountId = (key: AccountKey) => `${key.provider}\u0000${key.providerAccountId}`

/** Key order: provider, then the provider's id (code-unit order, as `<` compares strings). */
const compareKeys = (a: AccountKey, b: AccountKey) =>
  a.provider !== b.provider
    ? (a.provider < b.provider ? -1 : 1)
    : a.providerAccountId === b.providerAccountId
    ? 0
    : (a.providerAccountId < b.providerAccountId ? -1 : 1)


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
  /** By identifier, then hash: the cap reads one address's tokens without scanning everyone's. */
  const verificationTokens = new Map<string, Map<string, VerificationToken>>()
  const authenticators = new Map<string, Authenticator>()

  const dropAuthenticators = (keep: (authenticator: Authenticator) => boolean) => {
    for (const [id, authenticator] of authenticators) if (!keep(authenticator)) authenticators.delete(id)
  }
  const twoFactor = new Map<UserId, EnrolmentState.EnrolmentState>()

  /** Applies a two-factor transition in one synchronous step: atomic here, as SQL is in the database stores. */
  const transition = (userId: UserId, step: (state: EnrolmentState.EnrolmentState | undefined) => EnrolmentState.Transition) =>
    Effect.sync(() => {
      const { next, answer } = step(twoFactor.get(userId))
      if (next === undefined) twoFactor.delete(userId)
      else twoFactor.set(userId, next)
      return answer
    })

  const accountsOf = (userId: UserId) => [...accounts.values()].filter((account) => account.userId === userId)

  const sessionAndUser = (tokenHash: string): Option.Option<SessionAndUser> => {
    const session = sessions.get(tokenHash)
    const user = session === undefined ? undefined : users.get(session.userId)
    return session === undefined || user === undefined ? Option.none() : Option.some({ session, user })
  }

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
          }
        }
        for (const [hash, session] of sessions) if (session.userId === id) sessions.delete(hash)
        dropAuthenticators((authenticator) => authenticator.userId !== id)
        twoFactor.delete(id)
        return true
      }),

    linkAccount: (account) =>
      Effect.suspend<Account, UserNotFound | AccountAlreadyLinked, never>(() => {
        if (!users.has(account.userId)) return Effect.fail(new UserNotFound())
        const id = accountId(account)
        // Each passkey is an account of its own: a user may hold several webauthn accounts at one provider.
        const sameProvider = account.type !== "webauthn" &&
          accountsOf(account.userId).some((a) => a.provider === account.provider)
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
          const kept = keepsAWayIn({
            otherAccounts: accountsOf(account.userId).length - 1,
            verifiedEmail: user !== undefined && user.email !== null && user.emailVerified !== null,
            verifiedEmailCounts: guard.verifiedEmailCounts
          })
          if (!kept) return Effect.fail(new LastSignInMethod({ provider: key.provider }))
        }
        accounts.delete(id)
        if (account.type === "webauthn") {
          dropAuthenticators((a) => !(a.userId === account.userId && a.providerAccountId === account.providerAccountId))
        }
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
    pageAccounts: (after, limit) =>
      Effect.sync(() =>
        [...accounts.values()]
          .filter((account) => after === null || compareKeys(account, after) > 0)
          .sort(compareKeys)
          .slice(0, limit)
      ),
    updateAccountIf: (key, expected, change) =>
      Effect.sync(() => {
        const id = accountId(key)
        const account = accounts.get(id)
        if (account === undefined || !sameTokenSecrets(account, expected)) return Option.none()
        const updated: Account = {
          ...account,
          ...change.tokens,
          ...(change.needsReauth === undefined ? {} : { needsReauth: change.needsReauth })
        }
        accounts.set(id, updated)
        return Option.some(updated)
      }),

    createSession: (session) =>
      Effect.suspend<Session, UserNotFound, never>(() => {
        if (!users.has(session.userId)) return Effect.fail(new UserNotFound())
        sessions.set(session.tokenHash, session)
        return Effect.succeed(session)
      }),
    getSessionAndUser: (tokenHash) => Effect.sync(() => sessionAndUser(tokenHash)),
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
    listUserSessions: (userId) =>
      Effect.sync(() => [...sessions.values()].filter((session) => session.userId === userId)),
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

    createVerificationToken: (token, cap) =>
      Effect.sync(() => {
        let pending = verificationTokens.get(token.identifier)
        if (pending === undefined) verificationTokens.set(token.identifier, pending = new Map())
        pending.set(token.tokenHash, token)
        if (cap === undefined) return
        for (const dropped of linksBeyondCap([...pending.values()], token.tokenHash, cap)) {
          pending.delete(dropped.tokenHash)
        }
      }),
    consumeVerificationToken: (identifier, tokenHash) =>
      Effect.sync(() => {
        const pending = verificationTokens.get(identifier)
        const token = pending?.get(tokenHash)
        pending?.delete(tokenHash)
        if (pending?.size === 0) verificationTokens.delete(identifier)
        return Option.fromNullishOr(token)
      }),

    createAuthenticator: (authenticator) =>
      Effect.suspend<Authenticator, UserNotFound | AuthenticatorExists, never>(() => {
        if (!users.has(authenticator.userId)) return Effect.fail(new UserNotFound())
        if (authenticators.has(authenticator.credentialID)) return Effect.fail(new AuthenticatorExists())
        authenticators.set(authenticator.credentialID, authenticator)
        return Effect.succeed(authenticator)
      }),
    getAuthenticator: (credentialID) => Effect.sync(() => Option.fromNullishOr(authenticators.get(credentialID))),
    listAuthenticators: (userId) =>
      Effect.sync(() => [...authenticators.values()].filter((authenticator) => authenticator.userId === userId)),
    updateAuthenticatorCounter: (credentialID, expected, next) =>
      Effect.sync(() => {
        const authenticator = authenticators.get(credentialID)
        if (authenticator === undefined || authenticator.counter !== expected) return false
        authenticators.set(credentialID, { ...authenticator, counter: next })
        return true
      }),

    deleteExpired: (now, limit) =>
      Effect.sync(() => {
        let deleted = 0
        for (const [identifier, pending] of verificationTokens) {
          for (const [hash, token] of pending) {
            if (deleted >= limit) return deleted
            if (token.expires.getTime() <= now.getTime()) {
              pending.delete(hash)
              deleted++
            }
          }
          if (pending.size === 0) verificationTokens.delete(identifier)
        }
        for (const [hash, session] of sessions) {
          if (deleted >= limit) return deleted
          if (session.expires.getTime() <= now.getTime()) {
            sessions.delete(hash)
            deleted++
          }
        }
        return deleted
      }),
    sync: Option.some({ getSessionAndUser: sessionAndUser }),

    getTwoFactor: (userId) =>
      Effect.sync(() =>
        Option.map(Option.fromNullishOr(twoFactor.get(userId)), (state) => EnrolmentState.enrolmentOf(userId, state))
      ),
    startTwoFactor: (pending) =>
      users.has(pending.userId)
        ? transition(pending.userId, (state) => EnrolmentState.start(state, pending))
        : Effect.fail(new UserNotFound()),
    ...EnrolmentState.writesOver(transition)
  })
})

export const layer: Layer.Layer<Users> = Layer.effect(Users, make)
