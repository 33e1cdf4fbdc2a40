import { assert } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"

/** The error `effect` fails with; a success or a defect fails the test. */
export const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    if (reason === undefined || !Cause.isFailReason(reason)) return assert.fail(`expected a failure, got ${String(exit)}`)
    return reason.error
  })
