/**
 * The sweep's conformance suite: the JobLock contract (src/ports/JobLock.ts) sentence by sentence, and the sweep
 * of expired entries (src/domain/sweepExpired.ts) over a store's Users and Ledger, run unchanged on every store:
 * memory, SQLite, PostgreSQL (its advisory lock) and the Auth.js bridge. Nodes are JobLock layers built afresh
 * over one backend, each in a scope of its own, so a node ends when its scope closes. Live time: the advisory
 * lock follows connections, not a Clock, so both kinds of lock are driven the same way.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Cause, Context, Duration, Effect, Exit, Layer, Option, Schedule, Scope } from "effect"
import * as fc from "fast-check"
import { sweepExpired, type SweepSettings, sweepTurn } from "../../src/domain/sweepExpired.ts"
import type { Email } from "../../src/domain/User.ts"
import { JobLock, JobLockUnavailable } from "../../src/ports/JobLock.ts"
import { Ledger } from "../../src/ports/Ledger.ts"
import { Users } from "../../src/ports/Users.ts"

const minute = 60_000
const hold = Duration.millis(300)

export interface SuiteOptions {
  /**
   * Whether the store deletes expired sessions and verification tokens. Default true; false for the Auth.js
   * bridge (an Auth.js adapter cannot find them), whose sweep is the ledger's alone.
   */
  readonly sweepsUsers?: boolean
  /** A node's JobLock over a backend that is down. Without it the unavailability case is reported as todo. */
  readonly unavailable?: Layer.Layer<JobLock, unknown>
}

/** A node: its own JobLock over the shared backend, and how to end it. */
interface Node {
  readonly lock: JobLock["Service"]
  readonly context: Context.Context<JobLock>
  readonly end: Effect.Effect<void>
}

export const suite = <R>(
  name: string,
  stores: Layer.Layer<Users | Ledger | R, unknown>,
  nodeLock: Layer.Layer<JobLock, unknown, Ledger | R>,
  options: SuiteOptions = {}
): void =>
  layer(stores, { timeout: 60_000, excludeTestServices: true })(`Sweeping conformance: ${name}`, (it) => {
    const node = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Layer.fresh(nodeLock), scope).pipe(Effect.orDie)
      const end = Scope.close(scope, Exit.void)
      yield* Effect.addFinalizer(() => end)
      return { lock: Context.get(context, JobLock), context, end } satisfies Node
    })
    const job = (label: string) => `conformance-${label}-${crypto.randomUUID()}`

    describe("JobLock", () => {
      it.effect("holds answers true to one node at a time, and the holder keeps the lock while it asks", () =>
        Effect.gen(function*() {
          const [a, b] = [yield* node, yield* node]
          const j = job("one")
          assert.isTrue(yield* a.lock.holds(j, hold), "a free lock is taken")
          for (let round = 0; round < 5; round++) {
            assert.isFalse(yield* b.lock.holds(j, hold), `round ${round}: the other node is refused`)
            assert.isTrue(yield* a.lock.holds(j, hold), `round ${round}: the holder keeps it`)
          }
        }).pipe(Effect.scoped))

      it.effect("of nodes asking at once for a free lock, exactly one holds it", () =>
        Effect.gen(function*() {
          const nodes = yield* Effect.all(Array.from({ length: 4 }, () => node))
          const j = job("race")
          const answers = yield* Effect.all(nodes.map((n) => n.lock.holds(j, hold)), { concurrency: "unbounded" })
          assert.strictEqual(answers.filter(Boolean).length, 1)
        }).pipe(Effect.scoped))

      it.effect("when the holder ends, another node takes the lock within `hold`", () =>
        Effect.gen(function*() {
          const [a, b] = [yield* node, yield* node]
          const j = job("handover")
          assert.isTrue(yield* a.lock.holds(j, hold))
          assert.isFalse(yield* b.lock.holds(j, hold))
          yield* a.end
          // Asked again and again: the lock is free once the lease lapses or the server has seen the end.
          const taken = yield* b.lock.holds(j, hold).pipe(
            Effect.repeat({ until: (held) => held, schedule: Schedule.spaced("50 millis"), times: 60 })
          )
          assert.isTrue(taken)
        }).pipe(Effect.scoped))

      if (options.unavailable === undefined) {
        it.todo("infrastructure failure is JobLockUnavailable, never a defect (no down backend given)")
      } else {
        const down = options.unavailable
        it.effect("infrastructure failure is JobLockUnavailable, never a defect", () =>
          Effect.gen(function*() {
            const lock = Context.get(yield* Layer.build(Layer.fresh(down)).pipe(Effect.orDie), JobLock)
            const exit = yield* Effect.exit(lock.holds(job("down"), hold))
            assert.isTrue(Exit.isFailure(exit))
            if (Exit.isFailure(exit)) assert.strictEqual(Cause.squash(exit.cause) instanceof JobLockUnavailable, true)
          }).pipe(Effect.scoped))
      }

      it.effect("jobs of different names do not exclude each other", () =>
        Effect.gen(function*() {
          const [a, b] = [yield* node, yield* node]
          assert.isTrue(yield* a.lock.holds(job("first"), hold))
          assert.isTrue(yield* b.lock.holds(job("second"), hold))
        }).pipe(Effect.scoped))
    })

    describe("the sweep", () => {
      /** Sessions, verification tokens and ledger entries, each expired or live by its offset from now. */
      const rows = fc.array(
        fc.record({
          kind: fc.constantFrom("session", "token", "entry"),
          // Minutes from now: never 0, so no row sits on the boundary while the sweep reads the clock.
          offset: fc.integer({ min: -600, max: 600 }).filter((m) => m !== 0)
        }),
        { maxLength: 16 }
      )

      it.effect("deletes every expired row in batches of at most `batch`, and never a live one", () =>
        Effect.gen(function*() {
          const context = yield* Effect.context<Users | Ledger>()
          const property = fc.asyncProperty(rows, fc.integer({ min: 1, max: 5 }), (generated, batch) =>
            Effect.runPromise(Effect.gen(function*() {
              const users = yield* Users
              const ledger = yield* Ledger
              const now = Date.now()
              const user = yield* users.createUser({ name: null, email: null, emailVerified: null, image: null })
              const made = generated.map((row) => ({ ...row, id: crypto.randomUUID(), expires: new Date(now + row.offset * minute) }))
              for (const row of made) {
                if (row.kind === "session") {
                  yield* users.createSession({ tokenHash: row.id, userId: user.id, expires: row.expires, via: null })
                } else if (row.kind === "token") {
                  yield* users.createVerificationToken({ identifier: `${row.id}@x.test` as Email, tokenHash: row.id, expires: row.expires })
                } else {
                  yield* ledger.set(`conformance:sweep:${row.id}`, { value: "v", expiresAt: row.expires })
                }
              }
              // Every batch either store is asked for is counted: none may exceed `batch`.
              const batches: Array<number> = []
              const counted = <E>(deleted: Effect.Effect<number, E>) => Effect.tap(deleted, (n) => Effect.sync(() => batches.push(n)))
              yield* sweepExpired(batch).pipe(
                Effect.provideService(Users, { ...users, deleteExpired: (at, limit) => counted(users.deleteExpired(at, limit)) }),
                Effect.provideService(Ledger, { ...ledger, sweep: (limit) => counted(ledger.sweep(limit)) })
              )
              for (const deleted of batches) assert.isAtMost(deleted, batch)

              for (const row of made) {
                const live = row.offset > 0
                const kept = row.kind === "session"
                  ? Option.isSome(yield* users.getSessionAndUser(row.id))
                  : row.kind === "token"
                  ? Option.isSome(yield* users.consumeVerificationToken(`${row.id}@x.test`, row.id))
                  : Option.isSome((yield* ledger.get([`conformance:sweep:${row.id}`]))[0]!)
                // A store that cannot find expired sessions and tokens keeps them (and refuses them when read).
                const sweptHere = row.kind === "entry" || (options.sweepsUsers ?? true)
                assert.strictEqual(kept, live || !sweptHere, `${row.kind} ${row.offset} min from now`)
              }
            }).pipe(Effect.provide(context))))
          yield* Effect.promise(() => fc.assert(property, { numRuns: 15 }))
        }))

      it.effect("two nodes over one store, one period after another: only the holder of the lock sweeps", () =>
        Effect.gen(function*() {
          const ledger = yield* Ledger
          const [a, b] = [yield* node, yield* node]
          // The hold is two periods: the holder keeps the lock from one period to the next.
          const settings: SweepSettings = { every: Duration.seconds(5), batch: 10 }
          const swept = { a: 0, b: 0 }
          for (let period = 0; period < 6; period++) {
            const key = `conformance:period:${crypto.randomUUID()}`
            yield* ledger.set(key, { value: "v", expiresAt: new Date(Date.now() - minute) })
            // Both nodes take their turn each period, in either order.
            const order = period % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const)
            for (const which of order) {
              const turn = yield* sweepTurn(settings).pipe(Effect.provide(which === "a" ? a.context : b.context))
              if (Option.isSome(turn)) swept[which]++
            }
            assert.isTrue(Option.isNone((yield* ledger.get([key]))[0]!))
          }
          // One node swept every period; the other never did.
          assert.deepStrictEqual([swept.a, swept.b].sort(), [0, 6])
        }).pipe(Effect.scoped))

    })
  })
