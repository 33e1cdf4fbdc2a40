/** Users conformance, "verification tokens": createVerificationToken and consumeVerificationToken. */
import { assert, describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { VerificationToken } from "../../../src/domain/VerificationToken.ts"
import { Users } from "../../../src/ports/Users.ts"
import { type ConformanceIt, expectNone, expectSome, hour, newEmail, now, tokenFields, uuid } from "./fixtures.ts"

/** Registers the "verification tokens" block. */
export const describeVerificationTokens = (it: ConformanceIt): void => {
  describe("verification tokens", () => {
    const newToken = (expires: Date): VerificationToken => ({
      identifier: newEmail(),
      tokenHash: `hash-${uuid()}`,
      expires
    })

    it.effect("consumeVerificationToken returns the token once, then None", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const token = newToken(new Date((yield* now) + hour))
        yield* store.createVerificationToken(token)
        const consumed = expectSome(
          yield* store.consumeVerificationToken(token.identifier, token.tokenHash),
          "the token"
        )
        expect(tokenFields(consumed)).toEqual(token)
        expectNone(yield* store.consumeVerificationToken(token.identifier, token.tokenHash), "token consumed twice")
      }))

    it.effect("a wrong identifier or hash gets None and consumes nothing", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const token = newToken(new Date((yield* now) + hour))
        const sibling = { ...newToken(token.expires), identifier: token.identifier }
        yield* store.createVerificationToken(token)
        yield* store.createVerificationToken(sibling)
        expectNone(yield* store.consumeVerificationToken(newEmail(), token.tokenHash), "token by a wrong identifier")
        expectNone(yield* store.consumeVerificationToken(token.identifier, `hash-${uuid()}`), "token by a wrong hash")
        expectNone(yield* store.consumeVerificationToken(sibling.identifier, "x"), "token by a wrong hash")
        const consumed = yield* store.consumeVerificationToken(token.identifier, token.tokenHash)
        expect(tokenFields(expectSome(consumed, "the token"))).toEqual(token)
        const other = yield* store.consumeVerificationToken(sibling.identifier, sibling.tokenHash)
        expect(tokenFields(expectSome(other, "the sibling token"))).toEqual(sibling)
      }))

    it.effect("of 50 concurrent consumers exactly one gets the token", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const token = newToken(new Date((yield* now) + hour))
        yield* store.createVerificationToken(token)
        const results = yield* Effect.all(
          Array.from({ length: 50 }, () => store.consumeVerificationToken(token.identifier, token.tokenHash)),
          { concurrency: "unbounded" }
        )
        const winners = results.filter(Option.isSome)
        assert.strictEqual(winners.length, 1)
        const [winner] = winners
        if (winner !== undefined) expect(tokenFields(winner.value)).toEqual(token)
      }))
  })
}
