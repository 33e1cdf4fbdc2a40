/**
 * The RateLimiterStore conformance suite, as authfx uses a store: fixed windows through Effect's own
 * RateLimiter (so the store is checked against the limiter that reads it), counters shared by everyone on
 * the store, no lost counts under concurrency, and an outage as a typed error. Every store runs it:
 * bounded memory, the ledger store on memory, SQLite and PostgreSQL, and Redis.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import * as RateLimiter from "effect/persistence/RateLimiter"
import type { RateLimiterStore } from "effect/persistence/RateLimiter"
import { TestClock } from "effect/testing"

const key = (label: string) => `conformance:${label}:${crypto.randomUUID()}`

export interface SuiteOptions {
  /** The layer wired to a backend that is down. */
  readonly unavailable?: Layer.Layer<RateLimiterStore, unknown>
  /** Redis keeps time itself: windows are then waited out for real (short ones), not with TestClock. */
  readonly serverTime?: boolean
}

const consume = (k: string, limit: number, window: Duration.Input) =>
  RateLimiter.RateLimiter.use((limiter) => limiter.consume({ key: k, limit, window, algorithm: "fixed-window", onExceeded: "fail" }))

const burst = (k: string, n: number, limit: number, window: Duration.Input) =>
  Effect.forEach(Array.from({ length: n }), () => Effect.result(consume(k, limit, window)))

export const suite = (name: string, storeLayer: Layer.Layer<RateLimiterStore, unknown>, options: SuiteOptions = {}): void =>
  layer(RateLimiter.layer.pipe(Layer.provideMerge(storeLayer)), { excludeTestServices: options.serverTime === true })(
    `RateLimiterStore conformance: ${name}`,
    (it) => {
    const window = options.serverTime === true ? 300 : 60_000
    const waitOut = options.serverTime === true
      ? Effect.sleep(Duration.millis(window + 200))
      : TestClock.adjust(window)
    const timed = it.effect

    describe("fixed window", () => {
      timed("a burst is allowed up to the limit, then refused with a wait no longer than the window", () =>
        Effect.gen(function*() {
          const k = key("burst")
          const results = yield* burst(k, 8, 5, window)
          assert.deepStrictEqual(results.map((r) => r._tag), [...Array(5).fill("Success"), ...Array(3).fill("Failure")])
          const refused = results[7]!
          assert.isTrue(refused._tag === "Failure" && refused.failure.reason._tag === "RateLimitExceeded")
          if (refused._tag === "Failure" && refused.failure.reason._tag === "RateLimitExceeded") {
            const wait = Duration.toMillis(refused.failure.reason.retryAfter)
            assert.isTrue(wait > 0 && wait <= window, `waits ${wait} ms`)
          }
        }))

      timed("a refused key is allowed again once its window has passed", () =>
        Effect.gen(function*() {
          const k = key("recovers")
          yield* burst(k, 6, 5, window)
          assert.strictEqual((yield* Effect.result(consume(k, 5, window)))._tag, "Failure")
          yield* waitOut
          assert.strictEqual((yield* Effect.result(consume(k, 5, window)))._tag, "Success")
        }))

      timed("keys count apart", () =>
        Effect.gen(function*() {
          const [a, b] = [key("a"), key("b")]
          yield* burst(a, 3, 2, window)
          assert.strictEqual((yield* Effect.result(consume(b, 2, window)))._tag, "Success")
        }))

      it.effect("concurrent requests lose no count: of 20 at once against a limit of 7, exactly 7 pass", () =>
        Effect.gen(function*() {
          const k = key("concurrent")
          const results = yield* Effect.all(Array.from({ length: 20 }, () => Effect.result(consume(k, 7, 60_000))), {
            concurrency: "unbounded"
          })
          assert.strictEqual(results.filter((r) => r._tag === "Success").length, 7)
        }))
    })

    if (options.unavailable !== undefined) {
      const down = options.unavailable
      it.effect("a store that is down answers RateLimiterError, never a defect", () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(consume(key("down"), 5, 60_000))
          assert.strictEqual(error._tag, "RateLimiterError")
          if (error._tag === "RateLimiterError") assert.strictEqual(error.reason._tag, "RateLimitStoreError")
        }).pipe(Effect.provide(Layer.fresh(RateLimiter.layer.pipe(Layer.provide(down))))))
    }
    }
  )
