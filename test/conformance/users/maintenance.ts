/**
 * Users conformance, "maintenance": what programs that visit every stored account need (sealing tokens at
 * rest, adapters/sealedTokens; storing a token refresh): pageAccounts, the compare-and-set updateAccountIf,
 * and deleteExpired, which the domain's sweep calls.
 */
import { assert, describe, expect } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { type Account, type AccountKey, accountKeyOf, sameAccount } from "../../../src/domain/Account.ts"
import { type TokenSecrets, Users } from "../../../src/ports/Users.ts"
import {
  accountFields,
  century,
  type ConformanceIt,
  createUser,
  expectNone,
  expectSome,
  fullTokens,
  github,
  gitlab,
  google,
  hour,
  newAccount,
  newEmail,
  newSession,
  now,
  outcomeOf,
  userWithAccount,
  uuid
} from "./fixtures.ts"

const secretsOf = (account: Account): TokenSecrets => ({
  accessToken: account.accessToken,
  refreshToken: account.refreshToken,
  idToken: account.idToken
})

const newSecrets = (): TokenSecrets => ({
  accessToken: Redacted.make(`access-${uuid()}`),
  refreshToken: Redacted.make(`refresh-${uuid()}`),
  idToken: Redacted.make(`id-${uuid()}`)
})

const keyText = (key: AccountKey) => `${key.provider} ${key.providerAccountId}`

/** Every account the store lists, a page of `limit` at a time, each page after the last one's last key. */
const allPages = (limit: number) =>
  Effect.gen(function*() {
    const store = yield* Users
    const pages: Array<ReadonlyArray<Account>> = []
    let after: AccountKey | null = null
    while (true) {
      const page: ReadonlyArray<Account> = yield* store.pageAccounts(after, limit)
      if (page.length === 0) return pages
      pages.push(page)
      after = accountKeyOf(page[page.length - 1]!)
    }
  })

/**
 * Registers the "maintenance" block. `listsAccounts` and `sweepsExpired` are the suite's options: a store that
 * cannot list its accounts must say so with `AccountListingUnsupported`; one that cannot find expired rows
 * deletes none.
 */
export const describeMaintenance = (it: ConformanceIt, listsAccounts: boolean, sweepsExpired: boolean): void => {
  describe("maintenance", () => {
    if (listsAccounts) {
      it.effect("pageAccounts visits every account exactly once, in pages of at most `limit`", () =>
        Effect.gen(function*() {
          const store = yield* Users
          const linked: Array<Account> = []
          for (let i = 0; i < 3; i++) {
            const user = yield* createUser()
            for (const provider of [github, gitlab, google]) linked.push(yield* store.linkAccount(newAccount(user.id, provider)))
          }
          const pages = yield* allPages(2)
          assert.isTrue(pages.every((page) => page.length <= 2), "no page is longer than the limit")
          const seen = pages.flat()
          const counts = new Map<string, number>()
          for (const account of seen) counts.set(keyText(account), (counts.get(keyText(account)) ?? 0) + 1)
          assert.isTrue([...counts.values()].every((count) => count === 1), "no account is listed twice")
          for (const account of linked) {
            const listed = seen.find((candidate) => sameAccount(candidate, account))
            expect(accountFields(expectSome(Option.fromNullishOr(listed), keyText(account)))).toEqual(accountFields(account))
          }
        }))

      it.effect("pageAccounts after an account's key does not list that account again", () =>
        Effect.gen(function*() {
          const store = yield* Users
          const { key } = yield* userWithAccount()
          const after = yield* store.pageAccounts(key, 1000)
          assert.isFalse(after.some((account) => sameAccount(account, key)))
        }))
    } else {
      it.effect("pageAccounts fails with AccountListingUnsupported", () =>
        Effect.gen(function*() {
          const store = yield* Users
          yield* userWithAccount()
          assert.strictEqual(outcomeOf(yield* Effect.exit(store.pageAccounts(null, 10))), "AccountListingUnsupported")
        }))
    }

    it.effect("updateAccountIf applies the change when the secrets still equal `expected`, and only what it names", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const { account, key } = yield* userWithAccount({ needsReauth: true })
        const next = newSecrets()
        const after = expectSome(yield* store.updateAccountIf(key, secretsOf(account), { tokens: next }), "the account")
        const secretsOnly = { ...account, ...next }
        expect(accountFields(after)).toEqual(accountFields(secretsOnly))
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(secretsOnly))

        const refreshed = { ...fullTokens(), idToken: null, expiresAt: new Date(t + hour) }
        const renewed = expectSome(
          yield* store.updateAccountIf(key, next, { tokens: refreshed, needsReauth: false }),
          "the account"
        )
        expect(accountFields(renewed)).toEqual(accountFields({ ...account, ...refreshed, needsReauth: false }))
        const flagged = expectSome(yield* store.updateAccountIf(key, secretsOf(renewed), { needsReauth: true }), "the account")
        expect(accountFields(flagged)).toEqual(accountFields({ ...renewed, needsReauth: true }))
      }))

    it.effect("updateAccountIf changes nothing when any one secret differs from `expected`", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { account, key } = yield* userWithAccount()
        const held = secretsOf(account)
        for (const field of ["accessToken", "refreshToken", "idToken"] as const) {
          for (const wrong of [Redacted.make(`other-${uuid()}`), null]) {
            expectNone(
              yield* store.updateAccountIf(key, { ...held, [field]: wrong }, { tokens: newSecrets(), needsReauth: true }),
              "a refused update"
            )
          }
        }
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
      }))

    it.effect("updateAccountIf compares null with null; an unknown account is None", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const empty = { accessToken: null, refreshToken: null, idToken: null }
        const { account, key } = yield* userWithAccount(empty)
        const next = { ...empty, refreshToken: Redacted.make(`refresh-${uuid()}`) }
        expectSome(yield* store.updateAccountIf(key, empty, { tokens: next }), "the account")
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account")))
          .toEqual(accountFields({ ...account, ...next }))
        const unknown = { provider: github, providerAccountId: `acct-${uuid()}` }
        expectNone(yield* store.updateAccountIf(unknown, empty, { tokens: newSecrets() }), "an unknown account")
      }))

    it.effect("of concurrent updateAccountIf from the same `expected`, exactly one succeeds", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { account, key } = yield* userWithAccount()
        const candidates = Array.from({ length: 6 }, newSecrets)
        const results = yield* Effect.forEach(
          candidates,
          (next) => store.updateAccountIf(key, secretsOf(account), { tokens: next }),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter(Option.isSome).length, 1)
        const winner = candidates[results.findIndex(Option.isSome)]!
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account")))
          .toEqual(accountFields({ ...account, ...winner }))
      }))

    if (sweepsExpired) {
      it.effect("deleteExpired deletes at most `limit` expired tokens and sessions, never a live one", () =>
        Effect.gen(function*() {
          const store = yield* Users
          const t = yield* now
          const user = yield* createUser()
          const expired = yield* Effect.forEach([1, 2, 3], () => store.createSession(newSession(user.id, new Date(t - hour))))
          const live = yield* store.createSession(newSession(user.id, new Date(t + century)))
          const token = { identifier: newEmail(), tokenHash: `hash-${uuid()}`, expires: new Date(t - hour) }
          const liveToken = { identifier: newEmail(), tokenHash: `hash-${uuid()}`, expires: new Date(t + century) }
          yield* store.createVerificationToken(token)
          yield* store.createVerificationToken(liveToken)
          // Other cases leave expired rows too: what matters is the bound, that ours go, and that live ones stay.
          assert.isAtMost(yield* store.deleteExpired(new Date(t), 1), 1)
          while ((yield* store.deleteExpired(new Date(t), 1000)) > 0) continue
          for (const session of expired) expectNone(yield* store.getSessionAndUser(session.tokenHash), "an expired session")
          expectNone(yield* store.consumeVerificationToken(token.identifier, token.tokenHash), "an expired token")
          expectSome(yield* store.getSessionAndUser(live.tokenHash), "the live session")
          expectSome(yield* store.consumeVerificationToken(liveToken.identifier, liveToken.tokenHash), "the live token")
        }))
    } else {
      it.effect("deleteExpired deletes nothing it cannot find, and never a live entry", () =>
        Effect.gen(function*() {
          const store = yield* Users
          const t = yield* now
          const user = yield* createUser()
          const live = yield* store.createSession(newSession(user.id, new Date(t + century)))
          assert.strictEqual(yield* store.deleteExpired(new Date(t), 1000), 0)
          expectSome(yield* store.getSessionAndUser(live.tokenHash), "the live session")
        }))
    }
  })
}
