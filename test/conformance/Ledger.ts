/**
 * The Ledger conformance suite: every ledger layer (memory, SQLite, PostgreSQL, Redis) runs it unchanged, one
 * case per sentence of the contract on `Ledger` (src/ports/Ledger.ts). Cases share one ledger and make their
 * own random keys; time comes from `Clock` (TestClock: the stores compare against the Clock they are given).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Clock, Effect, type Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { Ledger, type LedgerEntry } from "../../src/ports/Ledger.ts"

const hour = 60 * 60 * 1000
const key = (label: string) => `conformance:${label}:${crypto.randomUUID()}`
const at = (millis: number) => new Date(millis)
const entry = (value: string, expiresAt: number): LedgerEntry => ({ value, expiresAt: at(expiresAt) })
const valueOf = (found: Option.Option<LedgerEntry>) => Option.getOrNull(Option.map(found, (e) => e.value))
const one = (k: string) => Effect.map(Ledger.use((ledger) => ledger.get([k])), (found) => found[0]!)

export interface SuiteOptions {
  /** The layer wired to a backend that is down. Without it the unavailability case is reported as todo. */
  readonly unavailable?: Layer.Layer<Ledger, unknown>
  /**
   * The store drops expired entries by itself (Redis: every write sets the key's expiry), so `sweep` finds
   * none to delete and answers 0. The sweep case then checks that answer instead of a count of deletions.
   */
  readonly expiresItself?: boolean
}

export const suite = (name: string, ledgerLayer: Layer.Layer<Ledger, unknown>, options: SuiteOptions = {}): void =>
  layer(ledgerLayer)(`Ledger conformance: ${name}`, (it) => {
    describe("expiry", () => {
      it.effect("an entry is live until its expiresAt, and absent from then on to every primitive", () =>
        Effect.gen(function*() {
          const ledger = yield* Ledger
          const now = yield* Clock.currentTimeMillis
          const k = key("expiry")
          yield* ledger.set(k, entry("v", now + hour))
          assert.strictEqual(valueOf(yield* one(k)), "v")
          yield* TestClock.adjust(hour)
          assert.isTrue(Option.isNone(yield* one(k)), "expired at exactly expiresAt")
          assert.isFalse(yield* ledger.deleteIf(k, "v"), "deleteIf sees no expired entry")
          assert.isTrue(yield* ledger.compareAndSet(k, Option.none(), entry("w", now + 3 * hour)), "CAS from absent")
          assert.strictEqual(valueOf(yield* one(k)), "w")
        }))

      it.effect("an entry written already expired is absent", () =>
        Effect.gen(function*() {
          const ledger = yield* Ledger
          const now = yield* Clock.currentTimeMillis
          const k = key("past")
          yield* ledger.set(k, entry("v", now - hour))
          assert.isTrue(Option.isNone(yield* one(k)))
          const counted = yield* ledger.increment(k, 1, at(now + hour))
          assert.deepStrictEqual(counted, { count: 1, expiresAt: at(now + hour) }, "an expired counter starts again")
        }))
    })

    it.effect("get answers the live entries of the keys, in their order, in one call", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        const now = yield* Clock.currentTimeMillis
        const [a, b, c] = [key("a"), key("b"), key("c")]
        yield* ledger.set(a, entry("1", now + hour))
        yield* ledger.set(c, entry("3", now + 2 * hour))
        const found = yield* ledger.get([c, b, a, c])
        assert.deepStrictEqual(found.map(valueOf), ["3", null, "1", "3"])
        assert.deepStrictEqual(Option.getOrThrow(found[0]!).expiresAt, at(now + 2 * hour))
        assert.deepStrictEqual(yield* ledger.get([]), [])
      }))

    it.effect("set writes the entry whatever was there", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        const now = yield* Clock.currentTimeMillis
        const k = key("set")
        yield* ledger.set(k, entry("first", now + 2 * hour))
        yield* ledger.set(k, entry("second", now + hour))
        assert.deepStrictEqual(Option.getOrThrow(yield* one(k)), entry("second", now + hour))
      }))

    describe("compareAndSet", () => {
      it.effect("writes only when the live value equals expected, and says whether it wrote", () =>
        Effect.gen(function*() {
          const ledger = yield* Ledger
          const now = yield* Clock.currentTimeMillis
          const k = key("cas")
          assert.isFalse(yield* ledger.compareAndSet(k, Option.some("x"), entry("y", now + hour)), "absent is not x")
          assert.isTrue(yield* ledger.compareAndSet(k, Option.none(), entry("a", now + hour)))
          assert.isFalse(yield* ledger.compareAndSet(k, Option.none(), entry("b", now + hour)), "present is not absent")
          assert.isFalse(yield* ledger.compareAndSet(k, Option.some("b"), entry("c", now + hour)))
          assert.strictEqual(valueOf(yield* one(k)), "a")
          assert.isTrue(yield* ledger.compareAndSet(k, Option.some("a"), entry("d", now + 2 * hour)))
          assert.deepStrictEqual(Option.getOrThrow(yield* one(k)), entry("d", now + 2 * hour))
        }))

      it.effect("of concurrent calls from the same expected, exactly one writes", () =>
        Effect.gen(function*() {
          const ledger = yield* Ledger
          const now = yield* Clock.currentTimeMillis
          for (const expected of [Option.none<string>(), Option.some("start")]) {
            const k = key("race")
            if (Option.isSome(expected)) yield* ledger.set(k, entry(expected.value, now + hour))
            const results = yield* Effect.all(
              Array.from({ length: 12 }, (_, i) => ledger.compareAndSet(k, expected, entry(`w${i}`, now + hour))),
              { concurrency: "unbounded" }
            )
            assert.strictEqual(results.filter(Boolean).length, 1)
            assert.strictEqual(valueOf(yield* one(k)), `w${results.indexOf(true)}`)
          }
        }))
    })

    describe("increment", () => {
      it.effect("starts a counter at `by` that expires at expiresAt, then adds and keeps that expiry", () =>
        Effect.gen(function*() {
          const ledger = yield* Ledger
          const now = yield* Clock.currentTimeMillis
          const k = key("count")
          assert.deepStrictEqual(yield* ledger.increment(k, 2, at(now + hour)), { count: 2, expiresAt: at(now + hour) })
          assert.deepStrictEqual(yield* ledger.increment(k, 3, at(now + 5 * hour)), { count: 5, expiresAt: at(now + hour) })
          yield* TestClock.adjust(hour)
          assert.deepStrictEqual(yield* ledger.increment(k, 1, at(now + 3 * hour)), { count: 1, expiresAt: at(now + 3 * hour) })
        }))

      it.effect("concurrent increments never lose a count", () =>
        Effect.gen(function*() {
          const ledger = yield* Ledger
          const now = yield* Clock.currentTimeMillis
          const k = key("concurrent")
          const counts = yield* Effect.all(
            Array.from({ length: 40 }, () => ledger.increment(k, 1, at(now + hour))),
            { concurrency: "unbounded" }
          )
          assert.deepStrictEqual(counts.map((c) => c.count).sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i + 1))
          assert.strictEqual(valueOf(yield* one(k)), "40")
        }))
    })

    it.effect("deleteIf deletes only when the live value equals expected, and says whether it did", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        const now = yield* Clock.currentTimeMillis
        const k = key("delete")
        assert.isFalse(yield* ledger.deleteIf(k, "v"), "nothing to delete")
        yield* ledger.set(k, entry("v", now + hour))
        assert.isFalse(yield* ledger.deleteIf(k, "other"))
        assert.strictEqual(valueOf(yield* one(k)), "v")
        assert.isTrue(yield* ledger.deleteIf(k, "v"))
        assert.isTrue(Option.isNone(yield* one(k)))
      }))

    it.effect("sweep deletes at most `limit` expired entries, never a live one", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        const now = yield* Clock.currentTimeMillis
        // Other cases' expired entries may be swept too; what matters is the bound and the live entry.
        const live = key("live")
        yield* ledger.set(live, entry("stays", now + 10 * hour))
        const dead = Array.from({ length: 5 }, () => key("dead"))
        for (const k of dead) yield* ledger.set(k, entry("gone", now + hour))
        yield* TestClock.adjust(2 * hour)
        if (options.expiresItself === true) {
          assert.strictEqual(yield* ledger.sweep(2), 0, "nothing left for a sweep of a store that expires entries itself")
          assert.deepStrictEqual((yield* ledger.get(dead)).map(valueOf), dead.map(() => null))
          assert.strictEqual(valueOf(yield* one(live)), "stays")
          return
        }
        const first = yield* ledger.sweep(2)
        assert.isAtMost(first, 2)
        let total = first
        for (let round = 0; round < 100; round++) {
          const swept = yield* ledger.sweep(1_000)
          total += swept
          if (swept === 0) break
        }
        assert.isAtLeast(total, 5)
        assert.strictEqual(yield* ledger.sweep(1_000), 0)
        assert.strictEqual(valueOf(yield* one(live)), "stays")
      }))

    it.effect("a layer that answers reads synchronously answers as get does (or not at all: undefined)", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        if (Option.isNone(ledger.sync)) return
        const now = yield* Clock.currentTimeMillis
        const keys = [key("sync-a"), key("sync-b"), key("none")]
        yield* ledger.set(keys[0]!, entry("1", now + hour))
        yield* ledger.set(keys[1]!, entry("2", now - hour))
        const viaGet = yield* ledger.get(keys)
        const sync = ledger.sync.value.get(keys, now)
        if (sync !== undefined) assert.deepStrictEqual(sync, viaGet)
        yield* ledger.set(keys[1]!, entry("3", now + hour))
        const after = ledger.sync.value.get(keys, now)
        if (after !== undefined) assert.deepStrictEqual(after, yield* ledger.get(keys), "a write is seen at once")
      }))

    if (options.unavailable === undefined) {
      it.todo("infrastructure failure is LedgerUnavailable (no unavailable layer given)")
    } else {
      const down = options.unavailable
      it.effect("infrastructure failure is LedgerUnavailable, never a defect", () =>
        Effect.gen(function*() {
          const ledger = yield* Effect.orDie(Effect.provide(Ledger.use(Effect.succeed), down))
          const later = at((yield* Clock.currentTimeMillis) + hour)
          const k = key("down")
          const operations: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
            ledger.get([k]),
            ledger.set(k, { value: "v", expiresAt: later }),
            ledger.compareAndSet(k, Option.none(), { value: "v", expiresAt: later }),
            ledger.increment(k, 1, later),
            ledger.deleteIf(k, "v"),
            // A store that expires entries itself asks nothing of its backend to sweep: it cannot fail.
            ...(options.expiresItself === true ? [] : [ledger.sweep(10)])
          ]
          for (const operation of operations) {
            const failure = yield* Effect.flip(operation)
            assert.strictEqual(failure._tag, "LedgerUnavailable")
          }
        }))
    }
  })
