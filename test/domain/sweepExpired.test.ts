/** The one cleanup cadence (src/domain/sweepExpired.ts), over the memory stores and a TestClock. */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Exit, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import * as MemoryLedger from "../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryUsers from "../../src/adapters/memory/MemoryUsers.ts"
import * as LedgerLease from "../../src/domain/ledgerLease.ts"
import { sweepBatch, sweepEvery, sweeping, sweepSettings } from "../../src/domain/sweepExpired.ts"
import type { Email } from "../../src/domain/User.ts"
import { Ledger } from "../../src/ports/Ledger.ts"
import { Users } from "../../src/ports/Users.ts"

const minute = 60_000
const stores = Layer.mergeAll(MemoryUsers.layer, MemoryLedger.layer)
/** One node: its sweeping and its lease, over the stores below it. */
const node = (options?: Parameters<typeof sweeping>[0]) => Layer.fresh(sweeping(options).pipe(Layer.provide(LedgerLease.layer)))

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
    }).pipe(Effect.provide(Layer.provideMerge(node(), stores))))

  it.effect("the cadence and the batch are settings", () =>
    Effect.gen(function*() {
      const users = yield* Users
      let calls = 0
      const counting = Layer.succeed(Users, {
        ...users,
        deleteExpired: (now, limit) => Effect.tap(users.deleteExpired(now, limit), () => Effect.sync(() => void calls++))
      })
      yield* fill(7)
      yield* Layer.build(node({ every: "1 minute", batch: 3 }).pipe(Layer.provide(counting)))
      // The rows expire at one minute, when the first sweep runs ("expired at or before now").
      yield* TestClock.adjust(minute)
      // 7 expired sessions and 7 tokens: batches of 3 until one comes back short (14 = 3 × 4 + 2), one sweep.
      assert.strictEqual(calls, 5)
      assert.isTrue(Option.isNone(yield* users.getSessionAndUser("s6")))
      yield* TestClock.adjust(minute)
      assert.strictEqual(calls, 6, "the next minute, one more (empty) batch")
    }).pipe(Effect.scoped, Effect.provide(stores)))

  it.effect("two nodes over one store: every period exactly one of them sweeps, always the same one", () =>
    Effect.gen(function*() {
      const users = yield* Users
      const calls = [0, 0]
      const counted = (i: 0 | 1) =>
        Layer.succeed(Users, {
          ...users,
          deleteExpired: (now, limit) => Effect.tap(users.deleteExpired(now, limit), () => Effect.sync(() => void calls[i]!++))
        })
      yield* Layer.build(node().pipe(Layer.provide(counted(0))))
      yield* Layer.build(node().pipe(Layer.provide(counted(1))))
      for (let period = 1; period <= 6; period++) {
        yield* TestClock.adjust(sweepEvery)
        assert.strictEqual(calls[0]! + calls[1]!, period, `period ${period}: one sweep (one empty batch)`)
      }
      assert.deepStrictEqual([...calls].sort(), [0, 6])
    }).pipe(Effect.scoped, Effect.provide(stores)))

  it.effect("unusable settings are refused", () =>
    Effect.gen(function*() {
      for (const options of [{ every: 0 }, { every: Infinity }, { every: -5 }, { batch: 0 }, { batch: 2.5 }]) {
        const exit = yield* Effect.exit(sweepSettings(options))
        assert.isTrue(Exit.isFailure(exit), JSON.stringify(options))
      }
      assert.deepStrictEqual(yield* sweepSettings(), { every: sweepEvery, batch: sweepBatch })
    }))
})
