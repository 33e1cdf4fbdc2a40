/** The one cleanup cadence (src/domain/sweepExpired.ts), over the memory stores and a TestClock. */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import * as MemoryLedger from "../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryUsers from "../../src/adapters/memory/MemoryUsers.ts"
import { sweepBatch, sweepEvery, sweeping } from "../../src/domain/sweepExpired.ts"
import type { Email } from "../../src/domain/User.ts"
import { Ledger } from "../../src/ports/Ledger.ts"
import { Users } from "../../src/ports/Users.ts"

const minute = 60_000
const stores = Layer.mergeAll(MemoryUsers.layer, MemoryLedger.layer)

/** Expired and live verification tokens, sessions and ledger entries, `count` of each expired kind. */
const fill = (count: number) =>
  Effect.gen(function*() {
    const users = yield* Users
    const ledger = yield* Ledger
    const now = yield* Clock.currentTimeMillis
    const user = yield* users.createUser({ name: null, email: null, emailVerified: null, image: null })
    const expires = (offset: number) => new Date(now + offset)
    for (let i = 0; i < count; i++) {
      yield* users.createVerificationToken({ identifier: `e${i}@x.test` as Email, tokenHash: `t${i}`, expires: expires(minute) })
      yield* users.createSession({ tokenHash: `s${i}`, userId: user.id, expires: expires(minute), via: null })
      yield* ledger.set(`k${i}`, { value: "v", expiresAt: expires(minute) })
    }
    yield* users.createSession({ tokenHash: "live", userId: user.id, expires: expires(60 * minute), via: null })
    yield* ledger.set("live", { value: "v", expiresAt: expires(60 * minute) })
  })

describe("sweeping", () => {
  it.effect("every sweepEvery, expired entries of both stores go, in batches until none is left; live ones stay", () =>
    Effect.gen(function*() {
      // More than one batch of each kind, so a sweep must go on past its first batch.
      yield* fill(sweepBatch + 7)
      const users = yield* Users
      const ledger = yield* Ledger
      yield* TestClock.adjust(2 * minute)
      // Not yet: nothing is swept before the first interval has passed.
      assert.isTrue(Option.isSome((yield* users.getSessionAndUser("s0"))), "an expired session is still stored")
      yield* TestClock.adjust(sweepEvery)
      assert.isTrue(Option.isNone(yield* users.getSessionAndUser("s0")))
      assert.isTrue(Option.isNone(yield* users.getSessionAndUser(`s${sweepBatch + 6}`)))
      assert.isTrue(Option.isNone(yield* users.consumeVerificationToken("e3@x.test", "t3")))
      assert.strictEqual(yield* ledger.sweep(1_000), 0, "the ledger was swept already")
      assert.isTrue(Option.isSome(yield* users.getSessionAndUser("live")))
      assert.isTrue(Option.isSome((yield* ledger.get(["live"]))[0]!))
    }).pipe(Effect.provide(Layer.provideMerge(sweeping, stores))))
})
