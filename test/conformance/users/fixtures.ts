/**
 * Shared fixtures of the Users conformance suite (test/conformance/Users.ts, whose header states
 * the rules every case keeps): time constants, fresh ids and records, field projections for `toEqual`,
 * Option and Exit helpers, and the store-backed makers of users and accounts.
 */
import { assert, type Vitest } from "@effect/vitest"
import { Cause, Clock, Effect, Exit, Option, Redacted } from "effect"
import { type Account, accountKeyOf, ProviderId, type TokenSet } from "../../../src/domain/Account.ts"
import type { Session } from "../../../src/domain/Session.ts"
import { Email, type NewUser, type User, UserId } from "../../../src/domain/User.ts"
import type { VerificationToken } from "../../../src/domain/VerificationToken.ts"
import { Users } from "../../../src/ports/Users.ts"

/** The `it` that `layer(storeLayer)(name, (it) => …)` gives the suite's blocks. */
export type ConformanceIt = Vitest.MethodsNonLive<Users>

export const second = 1_000
export const hour = 3_600 * second
export const day = 24 * hour
export const century = 36_525 * day

export const uuid = (): string => crypto.randomUUID()
export const newEmail = (): Email => Email.make(`u-${uuid()}@example.com`)
/** An id no store assigned (a UUID, so that stores keying users by `uuid` accept it). */
export const missingUserId = (): UserId => UserId.make(uuid())
export const github = ProviderId.make("github")
export const gitlab = ProviderId.make("gitlab")
export const google = ProviderId.make("google")

/** Now by `Clock`, in whole seconds. */
export const now = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / second) * second)

export const newUser = (fields: Partial<NewUser> = {}): NewUser => ({
  name: "Ada Lovelace",
  email: newEmail(),
  emailVerified: null,
  image: null,
  ...fields
})

const secret = (label: string): Redacted.Redacted<string> => Redacted.make(`${label}-${uuid()}`)

export const fullTokens = (): TokenSet => ({
  accessToken: secret("access"),
  refreshToken: secret("refresh"),
  idToken: secret("id"),
  expiresAt: new Date(Date.UTC(2031, 4, 6, 7, 8, 9)),
  tokenType: "bearer",
  scope: "openid email profile",
  sessionState: `state-${uuid()}`
})

export const newAccount = (userId: UserId, provider: ProviderId = github, fields: Partial<Account> = {}): Account => ({
  provider,
  providerAccountId: `acct-${uuid()}`,
  userId,
  type: "oauth",
  ...fullTokens(),
  needsReauth: false,
  ...fields
})

export const newSession = (userId: UserId, expires: Date, via: ProviderId | null = github): Session => ({
  tokenHash: `sess-${uuid()}`,
  userId,
  expires,
  via
})

const reveal = (value: Redacted.Redacted<string> | null): string | null => value === null ? null : Redacted.value(value)

/** The contract's fields of an account, secrets unwrapped, for `toEqual`. */
export const accountFields = (account: Account) => ({
  provider: account.provider,
  providerAccountId: account.providerAccountId,
  userId: account.userId,
  type: account.type,
  accessToken: reveal(account.accessToken),
  refreshToken: reveal(account.refreshToken),
  idToken: reveal(account.idToken),
  expiresAt: account.expiresAt,
  tokenType: account.tokenType,
  scope: account.scope,
  sessionState: account.sessionState,
  needsReauth: account.needsReauth
})

export const userFields = (user: User) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  emailVerified: user.emailVerified,
  image: user.image
})

export const sessionFields = (session: Session) => ({
  tokenHash: session.tokenHash,
  userId: session.userId,
  expires: session.expires,
  via: session.via
})

export const tokenFields = (token: VerificationToken) => ({
  identifier: token.identifier,
  tokenHash: token.tokenHash,
  expires: token.expires
})

export const expectSome = <A>(option: Option.Option<A>, what: string): A => {
  if (Option.isNone(option)) return assert.fail(`expected ${what}, got None`)
  return option.value
}

export const expectNone = <A>(option: Option.Option<A>, what: string): void => {
  assert.isTrue(Option.isNone(option), `expected no ${what}, got Some`)
}

/** How an effect ended, as one word: "ok", a failure's `_tag`, "defect" or "interrupted". */
export const outcomeOf = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>): string => {
  if (Exit.isSuccess(exit)) return "ok"
  const reason = exit.cause.reasons[0]
  if (reason === undefined) return "empty cause"
  if (Cause.isFailReason(reason)) return reason.error._tag
  return Cause.isDieReason(reason) ? "defect" : "interrupted"
}

export const keepSignInMethod = (verifiedEmailCounts: boolean) => ({ keepSignInMethod: { verifiedEmailCounts } })

/** A fresh user, created through the store. */
export const createUser = (fields: Partial<NewUser> = {}) =>
  Users.use((store) => store.createUser(newUser(fields)))

/** A fresh user with one fresh account linked. */
export const userWithAccount = (fields: Partial<Account> = {}) =>
  Effect.gen(function*() {
    const store = yield* Users
    const user = yield* store.createUser(newUser())
    const account = yield* store.linkAccount(newAccount(user.id, github, fields))
    return { user, account, key: accountKeyOf(account) }
  })
