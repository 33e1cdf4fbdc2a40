import { Clock, Duration, Effect, Layer, Option, Schedule, Schema } from "effect"
import { JobLock } from "../ports/JobLock.ts"
import { Ledger } from "../ports/Ledger.ts"
import { Users } from "../ports/Users.ts"

/**
 * The one cleanup cadence of every store: expired verification tokens, sessions and ledger entries are
 * deleted every `every`, in batches of `batch` until a batch comes back short, so no store keeps what can
 * never be used again and no sweep holds a table for long. One node of a deployment sweeps (the one holding
 * the JobLock); stores only delete what they are asked to, none decides when.
 */
export const sweepEvery = Duration.minutes(5)
export const sweepBatch = 500

/** The sweep's settings (`createAuth`'s `sweep`). */
export interface SweepOptions {
  /** How often the deployment sweeps. Default 5 minutes. */
  readonly every?: Duration.Input
  /** Most rows one delete statement takes (per store). Default 500. */
  readonly batch?: number
}

export interface SweepSettings {
  readonly every: Duration.Duration
  readonly batch: number
}

/** The sweep's settings cannot be used; `message` names the setting. */
export class InvalidSweepOptions extends Schema.TaggedError<InvalidSweepOptions>()("InvalidSweepOptions", {
  message: Schema.String
}) {}

export const sweepSettings = (options: SweepOptions = {}): Effect.Effect<SweepSettings, InvalidSweepOptions> => {
  const every = options.every === undefined ? Option.some(sweepEvery) : Duration.fromInput(options.every)
  const batch = options.batch ?? sweepBatch
  if (Option.isNone(every) || !Duration.isPositive(every.value) || !Duration.isFinite(every.value)) {
    return Effect.fail(new InvalidSweepOptions({ message: "sweep.every must be a positive duration" }))
  }
  if (!Number.isSafeInteger(batch) || batch < 1) {
    return Effect.fail(new InvalidSweepOptions({ message: "sweep.batch must be a whole number of rows, 1 or more" }))
  }
  return Effect.succeed({ every: every.value, batch })
}

/** The JobLock's name for the sweep. */
export const sweepJob = "sweep-expired"

/**
 * How long the sweeping node keeps the lock without asking again: two periods, so a sweep that runs late
 * does not hand it over, and another node takes over within two periods of the holder's end.
 */
export const sweepHold = (settings: SweepSettings) => Duration.times(settings.every, 2)

/** Deletes batches while they come back full; returns how many went. */
const drain = <E>(batch: Effect.Effect<number, E>, size: number) =>
  Effect.gen(function*() {
    let total = 0
    while (true) {
      const deleted = yield* batch
      total += deleted
      if (deleted < size) return total
    }
  })

/** One sweep of both stores (whoever holds the lock). */
export const sweepExpired = Effect.fn("sweepExpired")(function*(batch: number = sweepBatch) {
  const users = yield* Users
  const ledger = yield* Ledger
  const now = new Date(yield* Clock.currentTimeMillis)
  return {
    users: yield* drain(users.deleteExpired(now, batch), batch),
    ledger: yield* drain(ledger.sweep(batch), batch)
  }
})

/** One period of one node: a sweep when this node holds the sweep's lock, None when another node does. */
export const sweepTurn = Effect.fn("sweepTurn")(function*(settings: SweepSettings) {
  const lock = yield* JobLock
  if (!(yield* lock.holds(sweepJob, sweepHold(settings)))) return Option.none()
  return Option.some(yield* sweepExpired(settings.batch))
})

/**
 * Takes its turn every `every` for as long as the layer lives. A failed turn (a store outage) is logged and
 * the next one tries again: cleanup is never a reason to fail anything else.
 */
export const sweeping = (options: SweepOptions = {}): Layer.Layer<never, InvalidSweepOptions, Users | Ledger | JobLock> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const settings = yield* sweepSettings(options)
    yield* sweepTurn(settings).pipe(
      Effect.catch((error) => Effect.logWarning("authfx: sweeping expired entries failed", error._tag)),
      Effect.delay(settings.every),
      Effect.repeat(Schedule.forever),
      Effect.forkScoped
    )
  }))
