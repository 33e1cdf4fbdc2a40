import { Effect, Layer } from "effect"
import { ProviderClient } from "../../src/ports/ProviderClient.ts"
import { Ledger } from "../../src/ports/Ledger.ts"
import { Users } from "../../src/ports/Users.ts"

/** mulberry32: a tiny seeded PRNG, so a failing interleaving replays from fast-check's seed. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/**
 * The memory adapters answer synchronously, so concurrent fibers would run one whole program after
 * another and never race. Real stores and providers are I/O: this yields to the scheduler a random
 * number of times before and after every port call, so fibers interleave as they would in production
 * and races in the domain become visible.
 */
const interleave = <S extends object>(service: S, next: () => number): S => {
  const pause = Effect.suspend(() => {
    const times = Math.floor(next() * 3)
    return times === 0 ? Effect.void : Effect.forEach(Array.from({ length: times }), () => Effect.yieldNow, { discard: true })
  })
  const wrap = (value: unknown): unknown => {
    if (Effect.isEffect(value)) return pause.pipe(Effect.andThen(value), Effect.tap(() => pause))
    if (typeof value === "function") {
      return (...args: ReadonlyArray<unknown>) => wrap((value as (...a: ReadonlyArray<unknown>) => unknown)(...args))
    }
    return value
  }
  return Object.fromEntries(Object.entries(service).map(([name, member]) => [name, wrap(member)])) as S
}

/** Re-provides Users alone with interleaving pauses, seeded (e.g. the store under a decorator). */
export const interleavedUsers = (seed: number) => {
  const next = prng(seed ^ 0x5f3759df)
  return Layer.effect(Users, Users.use((store) => Effect.succeed(interleave(store, next))))
}

/**
 * Re-provides the Ledger with interleaving pauses, seeded. Its synchronous reads (`sync`, a value, not a
 * function) are left out: a caller that could use them would not interleave.
 */
export const interleavedLedger = (seed: number) => {
  const next = prng(seed ^ 0x2545f491)
  return Layer.effect(Ledger, Ledger.use((ledger) => Effect.succeed(interleave(ledger, next))))
}

/** Re-provides Users, the Ledger and ProviderClient with interleaving pauses, seeded. */
export const interleaved = (seed: number) => {
  const next = prng(seed)
  return Layer.mergeAll(
    Layer.effect(Users, Users.use((store) => Effect.succeed(interleave(store, next)))),
    Layer.effect(Ledger, Ledger.use((ledger) => Effect.succeed(interleave(ledger, next)))),
    Layer.effect(ProviderClient, ProviderClient.use((client) => Effect.succeed(interleave(client, next))))
  )
}
