import { type Effect, Semaphore } from "effect"

/** Per-key serialisation without a lock per key: keys hash onto a fixed set of mutexes. */
const stripes = 64

const stripeOf = (key: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193)
  return (hash >>> 0) % stripes
}

export const makeStripedLocks = () => {
  const locks = Array.from({ length: stripes }, () => Semaphore.makeUnsafe(1))
  return <A, E, R>(key: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    // stripeOf is always within the array.
    locks[stripeOf(key)]!.withPermits(1)(effect)
}
