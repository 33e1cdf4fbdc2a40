/**
 * The RateLimiterStore suite on the bounded memory store and on the ledger store over memory and SQLite;
 * the memory store's bound; and the ledger store's atomicity under interleaved fibers (property).
 */
import { assert, it } from "@effect/vitest"
import * as fc from "fast-check"
import { Duration, Effect, Layer } from "effect"
import { RateLimiterStore } from "effect/persistence/RateLimiter"
import * as LedgerRateLimiterStore from "../../../src/adapters/ledger/LedgerRateLimiterStore.ts"
import * as MemoryLedger from "../../../src/adapters/memory/MemoryLedger.ts"
import * as MemoryRateLimiterStore from "../../../src/adapters/memory/MemoryRateLimiterStore.ts"
import { SqliteDatabase } from "../../../src/adapters/sqlite/SqliteDatabase.ts"
import * as SqliteLedger from "../../../src/adapters/sqlite/SqliteLedger.ts"
import { Ledger, LedgerUnavailable } from "../../../src/ports/Ledger.ts"
import { suite } from "../../conformance/RateLimiterStore.ts"
import { interleavedLedger } from "../../support/interleaved.ts"

const overLedger = (ledger: Layer.Layer<Ledger, unknown>) => LedgerRateLimiterStore.layer.pipe(Layer.provide(ledger))
const downLedger = Layer.succeed(Ledger, Ledger.of({
  get: () => Effect.fail(new LedgerUnavailable({ message: "down" })),
  set: () => Effect.fail(new LedgerUnavailable({ message: "down" })),
  compareAndSet: () => Effect.fail(new LedgerUnavailable({ message: "down" })),
  increment: () => Effect.fail(new LedgerUnavailable({ message: "down" })),
  deleteIf: () => Effect.fail(new LedgerUnavailable({ message: "down" })),
  sweep: () => Effect.fail(new LedgerUnavailable({ message: "down" })),
  sync: { _tag: "None" } as never
}))

suite("bounded memory", MemoryRateLimiterStore.layer())
suite("ledger on memory", overLedger(MemoryLedger.layer), { unavailable: overLedger(downLedger) })
suite("ledger on sqlite", overLedger(SqliteLedger.layer.pipe(Layer.provide(SqliteDatabase.layer({ path: ":memory:" })))))

const step = (k: string) =>
  RateLimiterStore.use((store) => store.fixedWindow({ key: k, tokens: 1, refillRate: Duration.seconds(1), limit: undefined }))

it.effect("the memory store is bounded: past maxKeys a flood of new keys forgets the oldest, never grows", () =>
  Effect.gen(function*() {
    yield* step("victim")
    yield* step("victim")
    for (let i = 0; i < 3; i++) yield* step(`flood-${i}`)
    // The victim's counter was the oldest of four in a store of three: it starts again at one.
    assert.strictEqual((yield* step("victim"))[0], 1)
    // A store of three still counts its three newest keys.
    assert.strictEqual((yield* step("flood-2"))[0], 2)
  }).pipe(Effect.provide(MemoryRateLimiterStore.layer({ maxKeys: 3 }))))

const interleavedStore = (seed: number) =>
  overLedger(interleavedLedger(seed).pipe(Layer.provide(MemoryLedger.layer)))

it("ledger store, interleaved fibers: n concurrent window steps count 1..n, each exactly once (no lost count)", () =>
  fc.assert(fc.asyncProperty(fc.integer(), fc.integer({ min: 2, max: 24 }), async (seed, n) => {
    const counts = await Effect.runPromise(
      Effect.all(Array.from({ length: n }, () => step("shared")), { concurrency: "unbounded" }).pipe(
        Effect.provide(interleavedStore(seed))
      )
    )
    assert.deepStrictEqual(counts.map(([count]) => count).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i + 1))
  }), { numRuns: 50 }))

it("ledger store, interleaved fibers: a token bucket of L serves exactly min(n, L) of n concurrent takers", () =>
  fc.assert(fc.asyncProperty(fc.integer(), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 8 }), async (seed, n, limit) => {
    const remaining = await Effect.runPromise(
      Effect.all(
        Array.from({ length: n }, () =>
          RateLimiterStore.use((store) =>
            store.tokenBucket({ key: "bucket", tokens: 1, limit, refillRate: Duration.minutes(1), allowOverflow: false })
          )),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(interleavedStore(seed)))
    )
    assert.strictEqual(remaining.filter(([left]) => left >= 0).length, Math.min(n, limit))
  }), { numRuns: 50 }))
