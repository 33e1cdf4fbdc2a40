/**
 * Users conformance, "pending links": createVerificationToken with a cap (the domain's `linksBeyondCap`,
 * src/domain/pendingLinks.ts). Whether a token is still stored is asked the only way the port can answer it:
 * by consuming it.
 */
import { assert, describe, expect } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { Email } from "../../../src/domain/User.ts"
import type { VerificationToken } from "../../../src/domain/VerificationToken.ts"
import { Users } from "../../../src/ports/Users.ts"
import { century, type ConformanceIt, hour, newEmail, now, second, uuid } from "./fixtures.ts"

/** Registers the "pending links" block. */
export const describePendingLinks = (it: ConformanceIt): void => {
  describe("pending links (createVerificationToken with a cap)", () => {
    /** A token of `identifier` that expires at `expires` (epoch ms): a later expiry is a newer token. */
    const tokenAt = (identifier: Email, expires: number): VerificationToken => ({
      identifier,
      tokenHash: `hash-${uuid()}`,
      expires: new Date(expires)
    })

    /** Which of `tokens` are still stored, consuming them to find out. */
    const stillStored = (tokens: ReadonlyArray<VerificationToken>) =>
      Users.use((store) =>
        Effect.forEach(tokens, (token) =>
          Effect.map(store.consumeVerificationToken(token.identifier, token.tokenHash), Option.isSome))
      )

    /** Creates `tokens` one after another, each with the cap. */
    const createAll = (tokens: ReadonlyArray<VerificationToken>, max: number) =>
      Effect.gen(function*() {
        const store = yield* Users
        const at = new Date(yield* now)
        for (const token of tokens) yield* store.createVerificationToken(token, { max, now: at })
      })

    it.effect("with a cap of 3, five links leave the newest three; the two oldest are deleted", () =>
      Effect.gen(function*() {
        const live = (yield* now) + century
        const identifier = newEmail()
        const tokens = Array.from({ length: 5 }, (_, i) => tokenAt(identifier, live + i * second))
        yield* createAll(tokens, 3)
        expect(yield* stillStored(tokens)).toEqual([false, false, true, true, true])
      }))

    it.effect("the new token is kept even when the others expire later", () =>
      Effect.gen(function*() {
        const live = (yield* now) + century
        const identifier = newEmail()
        const older = Array.from({ length: 3 }, (_, i) => tokenAt(identifier, live + (10 + i) * second))
        const fresh = tokenAt(identifier, live)
        yield* createAll([...older, fresh], 3)
        expect(yield* stillStored([...older, fresh])).toEqual([false, true, true, true])
      }))

    it.effect("expired tokens never count, and go", () =>
      Effect.gen(function*() {
        const at = yield* now
        const identifier = newEmail()
        const expired = Array.from({ length: 3 }, (_, i) => tokenAt(identifier, at - hour + i * second))
        const live = Array.from({ length: 3 }, (_, i) => tokenAt(identifier, at + century + i * second))
        yield* createAll([...expired, ...live], 3)
        expect(yield* stillStored([...expired, ...live])).toEqual([false, false, false, true, true, true])
      }))

    it.effect("a used token never counts", () =>
      Effect.gen(function*() {
        const live = (yield* now) + century
        const identifier = newEmail()
        const [a, b, c, d] = Array.from({ length: 4 }, (_, i) => tokenAt(identifier, live + i * second))
        yield* createAll([a!, b!, c!], 3)
        expect(yield* stillStored([c!])).toEqual([true])
        yield* createAll([d!], 3)
        expect(yield* stillStored([a!, b!, d!])).toEqual([true, true, true])
      }))

    it.effect("the cap is per identifier: another address's tokens stay", () =>
      Effect.gen(function*() {
        const live = (yield* now) + century
        const [mine, theirs] = [newEmail(), newEmail()]
        const others = Array.from({ length: 3 }, (_, i) => tokenAt(theirs, live + i * second))
        yield* createAll(others, 3)
        yield* createAll(Array.from({ length: 4 }, (_, i) => tokenAt(mine, live + (10 + i) * second)), 1)
        expect(yield* stillStored(others)).toEqual([true, true, true])
      }))

    it.effect("without a cap, nothing else goes", () =>
      Effect.gen(function*() {
        const live = (yield* now) + century
        const identifier = newEmail()
        const tokens = Array.from({ length: 5 }, (_, i) => tokenAt(identifier, live + i * second))
        yield* Users.use((store) => Effect.forEach(tokens, (token) => store.createVerificationToken(token)))
        expect(yield* stillStored(tokens)).toEqual([true, true, true, true, true])
      }))

    it.effect("of 20 concurrent creations for one address with a cap of 3, at most 3 remain", () =>
      Effect.gen(function*() {
        const store = yield* Users
        const at = yield* now
        const identifier = newEmail()
        const tokens = Array.from({ length: 20 }, (_, i) => tokenAt(identifier, at + century + (i % 4) * second))
        yield* Effect.forEach(tokens, (token) => store.createVerificationToken(token, { max: 3, now: new Date(at) }), {
          concurrency: "unbounded",
          discard: true
        })
        const stored = (yield* stillStored(tokens)).filter(Boolean).length
        assert.isAtLeast(stored, 1)
        assert.isAtMost(stored, 3)
      }))
  })
}
