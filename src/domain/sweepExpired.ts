import { Clock, Duration, Effect, Layer, Schedule } from "effect"
import { Ledger } from "../ports/Ledger.ts"
import { Users } from "../ports/Users.ts"

/**
 * The one cleanup cadence of every store: expired verification tokens, sessions and ledger entries are
 * deleted every `sweepEvery`, in batches of `sweepBatch` until a batch comes back short, so no store keeps
 * what can never be used again and no sweep holds a table for long. Stores only delete what they are asked
 * to; none decides when.
 */
export const sweepEvery = Duration.minutes(5)
export const sweepBatch = 500

/** Deletes batches while they come back full; returns how many went. */
const drain = <E>(batch: Effect.Effect<number, E>) =>
  Effect.gen(function*() {
    let total = 0
    while (true) {
      const deleted = yield* batch
      total += deleted
      if (deleted < sweepBatch) return total
    }
  })

/** One sweep of both stores. */
export const sweepExpired = Effect.fn("sweepExpired")(function*() {
  const users = yield* Users
  const ledger = yield* Ledger
  const now = new Date(yield* Clock.currentTimeMillis)
  return {
    users: yield* drain(users.deleteExpired(now, sweepBatch)),
    ledger: yield* drain(ledger.sweep(sweepBatch))
  }
})

/**
 * Sweeps every `sweepEvery` for as long as the layer lives. A failed sweep (a store outage) is logged and
 * the next one tries again: cleanup is never a reason to fail anything else.
 */
export const sweeping: Layer.Layer<never, never, Users | Ledger> = Layer.effectDiscard(
  sweepExpired().pipe(
    Effect.catch((error) => Effect.logWarning("authfx: sweeping expired entries failed", error._tag)),
    Effect.delay(sweepEvery),
    Effect.repeat(Schedule.forever),
    Effect.forkScoped
  )
)
