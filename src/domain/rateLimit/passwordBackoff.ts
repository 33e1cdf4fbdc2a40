import { Clock, Effect, Option, Predicate } from "effect"
import { Ledger } from "../../ports/Ledger.ts"
import { counterKey } from "./counterKey.ts"
import { backoffMillis, decideBackoff, decideStoreDown } from "./rateLimitDecision.ts"
import { enforceDecision, identifierKey, storeTimeout } from "./enforceLimit.ts"
import { RateLimits } from "./RateLimits.ts"

/**
 * Runs a password attempt for `identifier` under its failed-password streak (rule: rateLimitDecision.ts's
 * backoffMillis). Refused while the wait set by the last failure runs; a refused password
 * (`CredentialsSignin`) adds one to the streak and sets the next wait; a success resets the streak.
 *
 * The streak is a ledger counter (atomic `increment`, so concurrent failures on any node all count) that
 * expires `window` after its first failure, and the wait is an entry that expires when the wait ends:
 * both are gone by themselves, so an owner is never locked out for longer than the cap, nor for good.
 */
export const withPasswordBackoff = <A, E, R>(identifier: string, attempt: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const rule = (yield* RateLimits).passwordBackoff
    if (rule === null) return yield* attempt
    const ledger = yield* Ledger
    const now = yield* Clock.currentTimeMillis
    const subject = yield* counterKey("password-backoff", identifierKey(identifier)).pipe(Effect.option)
    const keys = Option.map(subject, (s) => ({ streak: `backoff:${s}`, wait: `backoff-wait:${s}` }))
    const decision = yield* Effect.gen(function*() {
      if (Option.isNone(keys)) return yield* Effect.fail("KeyStoreUnavailable")
      const [wait] = yield* ledger.get([keys.value.wait])
      return decideBackoff(wait === undefined ? undefined : Option.getOrUndefined(wait)?.expiresAt.getTime(), now)
    }).pipe(
      Effect.timeout(storeTimeout),
      Effect.catch(() =>
        Effect.logWarning(`authfx: password backoff store unavailable (failing ${rule.onStoreDown})`).pipe(
          Effect.as(decideStoreDown(rule.onStoreDown, rule.windowMillis, now))
        ))
    )
    yield* enforceDecision(decision, now)
    if (Option.isNone(keys)) return yield* attempt
    const { streak, wait } = keys.value
    // Losing a streak update to an outage only forgets a failure: it never fails the attempt itself.
    const bestEffort = <X, Y>(effect: Effect.Effect<X, Y>) =>
      effect.pipe(Effect.timeout(storeTimeout), Effect.asVoid, Effect.catch(() => Effect.logWarning("authfx: password backoff not recorded")))
    return yield* attempt.pipe(
      Effect.tap(() =>
        Clock.currentTimeMillis.pipe(Effect.flatMap((at) =>
          bestEffort(Effect.all([
            ledger.set(streak, { value: "0", expiresAt: new Date(at) }),
            ledger.set(wait, { value: "0", expiresAt: new Date(at) })
          ]))
        ))
      ),
      Effect.tapError((error) =>
        !Predicate.isTagged(error, "CredentialsSignin") ? Effect.void : Clock.currentTimeMillis.pipe(Effect.flatMap((at) =>
          bestEffort(Effect.gen(function*() {
            const { count } = yield* ledger.increment(streak, 1, new Date(at + rule.windowMillis))
            const delay = backoffMillis(count, rule)
            if (delay > 0) yield* ledger.set(wait, { value: String(count), expiresAt: new Date(at + delay) })
          }))
        ))
      )
    )
  })
