import { Clock, Effect, Layer, Option } from "effect"
import { Ledger, type LedgerEntry } from "../../ports/Ledger.ts"

/**
 * The ledger in memory: one process, gone at restart. Every primitive is one synchronous step, which is
 * what makes compare-and-set and increment atomic here; it also answers reads synchronously (`sync`).
 * Expired entries are dropped when met and by `sweep`, which the domain schedules.
 */
export const make = Effect.sync(() => {
  const entries = new Map<string, LedgerEntry>()

  const live = (key: string, now: number): LedgerEntry | undefined => {
    const entry = entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt.getTime() > now) return entry
    entries.delete(key)
    return undefined
  }
  const read = (keys: ReadonlyArray<string>, now: number) => keys.map((key) => Option.fromNullishOr(live(key, now)))
  const withNow = <A>(f: (now: number) => A) => Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => f(now)))

  return Ledger.of({
    get: (keys) => withNow((now) => read(keys, now)),
    set: (key, entry) => Effect.sync(() => void entries.set(key, entry)),
    compareAndSet: (key, expected, next) =>
      withNow((now) => {
        const current = live(key, now)
        const matches = Option.isNone(expected) ? current === undefined : current?.value === expected.value
        if (matches) entries.set(key, next)
        return matches
      }),
    increment: (key, by, expiresAt) =>
      withNow((now) => {
        const current = live(key, now)
        const next = current === undefined
          ? { value: String(by), expiresAt }
          : { value: String(Number(current.value) + by), expiresAt: current.expiresAt }
        entries.set(key, next)
        return { count: Number(next.value), expiresAt: next.expiresAt }
      }),
    deleteIf: (key, expected) =>
      withNow((now) => {
        const matches = live(key, now)?.value === expected
        if (matches) entries.delete(key)
        return matches
      }),
    sweep: (limit) =>
      withNow((now) => {
        let swept = 0
        for (const [key, entry] of entries) {
          if (swept >= limit) break
          if (entry.expiresAt.getTime() <= now) {
            entries.delete(key)
            swept++
          }
        }
        return swept
      }),
    sync: Option.some({ get: read })
  })
})

export const layer: Layer.Layer<Ledger> = Layer.effect(Ledger, make)
