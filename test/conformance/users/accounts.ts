/** Users conformance, "accounts": linkAccount, the account lookups and updateAccountTokens. */
import { assert, describe, expect } from "@effect/vitest"
import { Effect } from "effect"
import { type AccountKey, accountKeyOf, type TokenSet } from "../../../src/domain/Account.ts"
import { Users } from "../../../src/ports/Users.ts"
import {
  accountFields,
  type ConformanceIt,
  createUser,
  expectNone,
  expectSome,
  fullTokens,
  github,
  gitlab,
  google,
  missingUserId,
  newAccount,
  userFields,
  userWithAccount,
  uuid
} from "./fixtures.ts"

/** Registers the "accounts" block. */
export const describeAccounts = (it: ConformanceIt): void => {
  describe("accounts", () => {
    it.effect("linkAccount stores the account with its tokens; getAccount, getUserByAccount, getUserAccount find it", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const account = newAccount(user.id)
        const linked = yield* store.linkAccount(account)
        expect(accountFields(linked)).toEqual(accountFields(account))
        const key = accountKeyOf(account)
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
        expect(accountFields(expectSome(yield* store.getUserAccount(user.id, github), "the user's account")))
          .toEqual(accountFields(account))
        expectNone(yield* store.getUserAccount(user.id, google), "account at another provider")
        expect(userFields(expectSome(yield* store.getUserByAccount(key), "the owner"))).toEqual(userFields(user))
      }))

    it.effect("an account without tokens round-trips its nulls", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const account = newAccount(user.id, google, {
          type: "oidc",
          accessToken: null,
          refreshToken: null,
          idToken: null,
          expiresAt: null,
          tokenType: null,
          scope: null,
          sessionState: null
        })
        yield* store.linkAccount(account)
        expect(accountFields(expectSome(yield* store.getAccount(accountKeyOf(account)), "the account")))
          .toEqual(accountFields(account))
      }))

    it.effect("listAccounts lists exactly the user's accounts", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const user = yield* createUser()
        const a = yield* store.linkAccount(newAccount(user.id, github))
        const b = yield* store.linkAccount(newAccount(user.id, google, { type: "oidc" }))
        yield* userWithAccount()
        const listed = (yield* store.listAccounts(user.id)).map(accountFields)
        const byProvider = (x: { readonly provider: string }, y: { readonly provider: string }) =>
          x.provider < y.provider ? -1 : x.provider > y.provider ? 1 : 0
        expect([...listed].sort(byProvider)).toEqual([accountFields(a), accountFields(b)].sort(byProvider))
      }))

    it.effect("linking an account linked to another user fails with AccountAlreadyLinked and changes nothing", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, account, key } = yield* userWithAccount()
        const other = yield* createUser()
        const error = yield* Effect.flip(
          store.linkAccount(newAccount(other.id, github, { providerAccountId: key.providerAccountId }))
        )
        assert.strictEqual(error._tag, "AccountAlreadyLinked")
        if (error._tag === "AccountAlreadyLinked") assert.strictEqual(error.provider, "github")
        assert.strictEqual(expectSome(yield* store.getUserByAccount(key), "the owner").id, user.id)
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
        expect(yield* store.listAccounts(other.id)).toEqual([])
      }))

    it.effect("linking the same account to its own user again fails with AccountAlreadyLinked", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, account, key } = yield* userWithAccount()
        const error = yield* Effect.flip(store.linkAccount({ ...account, ...fullTokens() }))
        assert.strictEqual(error._tag, "AccountAlreadyLinked")
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
        assert.strictEqual((yield* store.listAccounts(user.id)).length, 1)
      }))

    it.effect("a user links at most one account per provider: a second one fails with AccountAlreadyLinked", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, account } = yield* userWithAccount()
        const second = newAccount(user.id, github)
        const error = yield* Effect.flip(store.linkAccount(second))
        assert.strictEqual(error._tag, "AccountAlreadyLinked")
        if (error._tag === "AccountAlreadyLinked") assert.strictEqual(error.provider, "github")
        expectNone(yield* store.getAccount(accountKeyOf(second)), "the refused account")
        expect(accountFields(expectSome(yield* store.getUserAccount(user.id, github), "the first account")))
          .toEqual(accountFields(account))
        assert.strictEqual((yield* store.listAccounts(user.id)).length, 1)
      }))

    it.effect("the same provider account id at another provider is another account", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, key } = yield* userWithAccount()
        const other = yield* createUser()
        yield* store.linkAccount(newAccount(other.id, gitlab, { providerAccountId: key.providerAccountId }))
        assert.strictEqual(expectSome(yield* store.getUserByAccount(key), "github's owner").id, user.id)
        const gitlabKey: AccountKey = { provider: gitlab, providerAccountId: key.providerAccountId }
        assert.strictEqual(expectSome(yield* store.getUserByAccount(gitlabKey), "gitlab's owner").id, other.id)
      }))

    it.effect("linking to a user who does not exist (or no longer does) fails with UserNotFound", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const never = newAccount(missingUserId())
        assert.strictEqual((yield* Effect.flip(store.linkAccount(never)))._tag, "UserNotFound")
        expectNone(yield* store.getAccount(accountKeyOf(never)), "account of a missing user")

        const gone = yield* createUser()
        yield* store.deleteUser(gone.id)
        const late = newAccount(gone.id)
        assert.strictEqual((yield* Effect.flip(store.linkAccount(late)))._tag, "UserNotFound")
        expectNone(yield* store.getAccount(accountKeyOf(late)), "account of a deleted user")
      }))

    it.effect("updateAccountTokens replaces the tokens, clears needsReauth and returns the account", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { user, key } = yield* userWithAccount({ needsReauth: true })
        assert.strictEqual(expectSome(yield* store.getAccount(key), "the account").needsReauth, true)
        const tokens: TokenSet = { ...fullTokens(), idToken: null, scope: null, sessionState: null }
        const updated = yield* store.updateAccountTokens(key, tokens)
        const expected = { ...key, userId: user.id, type: "oauth" as const, ...tokens, needsReauth: false }
        expect(accountFields(updated)).toEqual(accountFields(expected))
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(expected))
      }))

    it.effect("updateAccountTokens of an account not linked fails with AccountNotFound", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const key: AccountKey = { provider: gitlab, providerAccountId: `acct-${uuid()}` }
        const error = yield* Effect.flip(store.updateAccountTokens(key, fullTokens()))
        assert.strictEqual(error._tag, "AccountNotFound")
        if (error._tag === "AccountNotFound") assert.strictEqual(error.provider, "gitlab")
        expectNone(yield* store.getAccount(key), "account")
      }))
  })
}
