/**
 * Users conformance, "maintenance": what programs that visit every stored account need (sealing tokens at
 * rest, adapters/sealedTokens): pageAccounts and the compare-and-set replaceAccountSecrets.
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
  expectSome,
  github,
  gitlab,
  google,
  newAccount,
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
 * Registers the "maintenance" block. `listsAccounts` is the suite's `SuiteOptions.listsAccounts`: a store that
 * cannot list its accounts must say so with `AccountListingUnsupported`.
 */
export const describeMaintenance = (it: ConformanceIt, listsAccounts: boolean): void => {
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

    it.effect("replaceAccountSecrets sets the three secrets when they still hold `expected`, and nothing else", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { account, key } = yield* userWithAccount({ needsReauth: true })
        const next = newSecrets()
        assert.strictEqual(yield* store.replaceAccountSecrets(key, secretsOf(account), next), true)
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account")))
          .toEqual(accountFields({ ...account, ...next }))
      }))

    it.effect("replaceAccountSecrets changes nothing when any one secret differs from `expected`", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { account, key } = yield* userWithAccount()
        const held = secretsOf(account)
        for (const field of ["accessToken", "refreshToken", "idToken"] as const) {
          for (const wrong of [Redacted.make(`other-${uuid()}`), null]) {
            assert.strictEqual(yield* store.replaceAccountSecrets(key, { ...held, [field]: wrong }, newSecrets()), false)
          }
        }
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
      }))

    it.effect("replaceAccountSecrets compares null with null; an unknown account is false", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const empty = { accessToken: null, refreshToken: null, idToken: null }
        const { account, key } = yield* userWithAccount(empty)
        const next = { ...empty, refreshToken: Redacted.make(`refresh-${uuid()}`) }
        assert.strictEqual(yield* store.replaceAccountSecrets(key, empty, next), true)
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account")))
          .toEqual(accountFields({ ...account, ...next }))
        const unknown = { provider: github, providerAccountId: `acct-${uuid()}` }
        assert.strictEqual(yield* store.replaceAccountSecrets(unknown, empty, newSecrets()), false)
      }))

    it.effect("of concurrent replaceAccountSecrets from the same `expected`, exactly one wins", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { account, key } = yield* userWithAccount()
        const candidates = Array.from({ length: 6 }, newSecrets)
        const results = yield* Effect.forEach(
          candidates,
          (next) => store.replaceAccountSecrets(key, secretsOf(account), next),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter(Boolean).length, 1)
        const winner = candidates[results.indexOf(true)]!
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account")))
          .toEqual(accountFields({ ...account, ...winner }))
      }))

    it.effect("replaceAccountSecrets neither takes nor releases a refresh claim", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const { account, key } = yield* userWithAccount()
        const held = { holder: `holder-${uuid()}`, until: new Date(t + century) }
        assert.strictEqual(yield* store.claimTokenRefresh(key, held), true)
        assert.strictEqual(yield* store.replaceAccountSecrets(key, secretsOf(account), newSecrets()), true)
        assert.strictEqual(
          yield* store.claimTokenRefresh(key, { holder: `holder-${uuid()}`, until: new Date(t + century) }),
          false,
          "the claim is still held"
        )
        assert.isTrue(Option.isSome(yield* store.completeTokenRefresh(key, held.holder, Option.none())))
      }))
  })
}
