/** The refresh claim (src/domain/refreshClaim.ts) over the memory ledger, racing where it matters. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as MemoryLedger from "../../src/adapters/memory/MemoryLedger.ts"
import type { AccountKey, ProviderId } from "../../src/domain/Account.ts"
import { AuthConfig } from "../../src/domain/AuthConfig.ts"
import { claimRefresh, releaseRefresh } from "../../src/domain/refreshClaim.ts"
import type { Ledger } from "../../src/ports/Ledger.ts"
import { interleavedLedger } from "../support/interleaved.ts"

const account = (): AccountKey => ({ provider: "github" as ProviderId, providerAccountId: crypto.randomUUID() })
const holder = () => `holder-${crypto.randomUUID()}`
const config = AuthConfig.layer({ providers: [], refreshClaimSeconds: 30 })
const run = <A, E>(program: Effect.Effect<A, E, AuthConfig | Ledger>) =>
  Effect.provide(program, Layer.mergeAll(config, MemoryLedger.layer))

describe("refresh claims", () => {
  it.effect("one holder at a time, per account", () =>
    run(Effect.gen(function*() {
      const [key, elsewhere] = [account(), account()]
      assert.isTrue(yield* claimRefresh(key, holder()))
      assert.isFalse(yield* claimRefresh(key, holder()))
      assert.isTrue(yield* claimRefresh(elsewhere, holder()))
    })))

  it.effect("a claim lapses after refreshClaimSeconds and can then be taken", () =>
    run(Effect.gen(function*() {
      const key = account()
      assert.isTrue(yield* claimRefresh(key, holder()))
      yield* TestClock.adjust("29 seconds")
      assert.isFalse(yield* claimRefresh(key, holder()))
      yield* TestClock.adjust("1 second")
      assert.isTrue(yield* claimRefresh(key, holder()))
    })))

  it.effect("only its holder releases it, and a lapsed holder cannot release its successor's", () =>
    run(Effect.gen(function*() {
      const key = account()
      const [first, second] = [holder(), holder()]
      assert.isTrue(yield* claimRefresh(key, first))
      assert.isFalse(yield* releaseRefresh(key, second))
      yield* TestClock.adjust("30 seconds")
      assert.isTrue(yield* claimRefresh(key, second))
      assert.isFalse(yield* releaseRefresh(key, first), "the lapsed holder")
      assert.isFalse(yield* claimRefresh(key, holder()), "still held by the second")
      assert.isTrue(yield* releaseRefresh(key, second))
      assert.isTrue(yield* claimRefresh(key, holder()))
    })))

  it.effect.each([1, 2, 3])("of racing claimants exactly one wins (seed %d)", (seed) =>
    Effect.gen(function*() {
      const key = account()
      const won = yield* Effect.forEach(Array.from({ length: 8 }, holder), (h) => claimRefresh(key, h), {
        concurrency: "unbounded"
      })
      assert.strictEqual(won.filter(Boolean).length, 1)
    }).pipe(Effect.provide(Layer.mergeAll(config, interleavedLedger(seed).pipe(Layer.provide(MemoryLedger.layer))))))
})
