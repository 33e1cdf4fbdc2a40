/** Users conformance, "refresh claims": claimTokenRefresh and completeTokenRefresh. */
import { assert, describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { TokenSet } from "../../../src/domain/Account.ts"
import { type RefreshOutcome, Users } from "../../../src/ports/Users.ts"
import {
  accountFields,
  century,
  type ConformanceIt,
  expectNone,
  expectSome,
  fullTokens,
  hour,
  now,
  userWithAccount,
  uuid
} from "./fixtures.ts"

/** Registers the "refresh claims" block. */
export const describeRefreshClaims = (it: ConformanceIt): void => {
  describe("refresh claims", () => {
    const claim = (until: number) => ({ holder: `holder-${uuid()}`, until: new Date(until) })
    const refreshed = (tokens: TokenSet): Option.Option<RefreshOutcome> => Option.some({ _tag: "Refreshed", tokens })

    it.effect("claimTokenRefresh grants a claim to one holder at a time, per account", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const { key } = yield* userWithAccount()
        const elsewhere = yield* userWithAccount()
        assert.strictEqual(yield* store.claimTokenRefresh(key, claim(t + century)), true)
        assert.strictEqual(yield* store.claimTokenRefresh(key, claim(t + century)), false)
        assert.strictEqual(yield* store.claimTokenRefresh(elsewhere.key, claim(t + century)), true)
      }))

    it.effect("a lapsed claim can be taken over, and its former holder completes nothing", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const { account, key } = yield* userWithAccount()
        const lapsed = claim(t - hour)
        assert.strictEqual(yield* store.claimTokenRefresh(key, lapsed), true)
        const current = claim(t + century)
        assert.strictEqual(yield* store.claimTokenRefresh(key, current), true)
        assert.strictEqual(yield* store.claimTokenRefresh(key, claim(t + century)), false)
        expectNone(yield* store.completeTokenRefresh(key, lapsed.holder, refreshed(fullTokens())), "completion")
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
        assert.strictEqual(yield* store.claimTokenRefresh(key, claim(t + century)), false, "the new holder still holds")
      }))

    it.effect("completeTokenRefresh by a non-holder returns None and changes nothing", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const { account, key } = yield* userWithAccount()
        const held = claim(t + century)
        assert.strictEqual(yield* store.claimTokenRefresh(key, held), true)
        expectNone(yield* store.completeTokenRefresh(key, `holder-${uuid()}`, refreshed(fullTokens())), "completion")
        expectNone(
          yield* store.completeTokenRefresh(key, `holder-${uuid()}`, Option.some({ _tag: "NeedsReauth" })),
          "completion"
        )
        expectNone(yield* store.completeTokenRefresh(key, `holder-${uuid()}`, Option.none()), "completion")
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
        assert.strictEqual(yield* store.claimTokenRefresh(key, claim(t + century)), false, "the claim is still held")
        // The real holder can still complete.
        assert.isTrue(Option.isSome(yield* store.completeTokenRefresh(key, held.holder, Option.none())))
      }))

    it.effect("completeTokenRefresh with no claim at all returns None", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const { account, key } = yield* userWithAccount()
        expectNone(yield* store.completeTokenRefresh(key, `holder-${uuid()}`, refreshed(fullTokens())), "completion")
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
      }))

    it.effect("the holder's Refreshed outcome is stored and the claim released", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const { account, key } = yield* userWithAccount()
        const held = claim(t + century)
        assert.strictEqual(yield* store.claimTokenRefresh(key, held), true)
        const tokens: TokenSet = { ...fullTokens(), idToken: null, expiresAt: new Date(t + hour) }
        const after = expectSome(yield* store.completeTokenRefresh(key, held.holder, refreshed(tokens)), "the account")
        const expected = { ...account, ...tokens }
        expect(accountFields(after)).toEqual(accountFields(expected))
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(expected))
        assert.strictEqual(yield* store.claimTokenRefresh(key, claim(t + century)), true, "the claim was released")
      }))

    it.effect("the holder's NeedsReauth outcome sets needsReauth and releases the claim", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const { key } = yield* userWithAccount()
        const held = claim(t + century)
        assert.strictEqual(yield* store.claimTokenRefresh(key, held), true)
        const after = yield* store.completeTokenRefresh(key, held.holder, Option.some({ _tag: "NeedsReauth" }))
        assert.strictEqual(expectSome(after, "the account").needsReauth, true)
        assert.strictEqual(expectSome(yield* store.getAccount(key), "the account").needsReauth, true)
        assert.strictEqual(yield* store.claimTokenRefresh(key, claim(t + century)), true, "the claim was released")
      }))

    it.effect("the holder's Option.none() only releases the claim", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const t = yield* now
        const { account, key } = yield* userWithAccount()
        const held = claim(t + century)
        assert.strictEqual(yield* store.claimTokenRefresh(key, held), true)
        const after = expectSome(yield* store.completeTokenRefresh(key, held.holder, Option.none()), "the account")
        expect(accountFields(after)).toEqual(accountFields(account))
        expect(accountFields(expectSome(yield* store.getAccount(key), "the account"))).toEqual(accountFields(account))
        expectNone(yield* store.completeTokenRefresh(key, held.holder, refreshed(fullTokens())), "a second completion")
        assert.strictEqual(yield* store.claimTokenRefresh(key, claim(t + century)), true, "the claim was released")
      }))
  })
}
