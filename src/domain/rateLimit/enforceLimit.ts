import { Clock, Duration, Effect } from "effect"
import { RateLimiterStore } from "effect/persistence/RateLimiter"
import { lowerCaseAscii, normalizeEmail } from "../normalizeEmail.ts"
import { counterKey } from "./counterKey.ts"
import { decideStoreDown, decideWindow, type LimitDecision } from "./rateLimitDecision.ts"
import { RateLimited } from "./RateLimited.ts"
import type { RateLimitRule } from "./rateLimitRules.ts"
import { RateLimits } from "./RateLimits.ts"

/** A counter store that takes longer than this is down for this request: a hung store must not hang sign-in. */
export const storeTimeout = Duration.seconds(2)

/** Fails with RateLimited when the decision refuses; the wait is whole seconds (Retry-After's unit), at least 1. */
export const enforceDecision = (decision: LimitDecision, now: number) =>
  decision._tag === "Allow"
    ? Effect.void
    : Effect.fail(new RateLimited({ retryAfterSeconds: Math.max(1, Math.ceil((decision.until - now) / 1000)) }))

/**
 * Counts one request of `subject` against `rule` in the shared store (RateLimiterStore.fixedWindow: one
 * atomic step, so every node on the store counts together) and refuses it past the limit. When the store
 * cannot answer, the rule's `onStoreDown` decides; the outage is logged without the subject.
 */
export const enforceRule = Effect.fnUntraced(function*(rule: RateLimitRule | null, subject: string) {
  if (rule === null) return
  const now = yield* Clock.currentTimeMillis
  const decision = yield* Effect.gen(function*() {
    const store = yield* RateLimiterStore
    const key = yield* counterKey(rule.name, subject)
    const [count, ttl] = yield* store.fixedWindow({
      key,
      tokens: 1,
      refillRate: Duration.millis(rule.windowMillis / rule.limit),
      limit: rule.limit
    })
    return decideWindow({ count, resetAfterMillis: ttl }, rule, now)
  }).pipe(
    Effect.timeout(storeTimeout),
    Effect.catch((error) =>
      Effect.logWarning(`authfx: rate-limit store unavailable (rule ${rule.name}, failing ${rule.onStoreDown})`, error._tag).pipe(
        Effect.as(decideStoreDown(rule.onStoreDown, rule.windowMillis, now))
      ))
  )
  return yield* enforceDecision(decision, now)
})

/**
 * An identifier as its counters key it: an e-mail address normalised as users are keyed (so `Ada@X.com`
 * and `ada@x.com` share a counter), anything else trimmed and ASCII-lower-cased, at most 320 characters.
 */
export const identifierKey = (identifier: string): string => {
  const email = normalizeEmail(identifier)
  return email._tag === "Some" ? email.value : lowerCaseAscii(identifier.trim()).slice(0, 320)
}

/** Counts one attempt for an identifier against its rule: credentials sign-in, magic-link send, or verification. */
export const limitIdentifier = Effect.fnUntraced(function*(
  which: "credentials" | "email" | "verification",
  identifier: string
) {
  const limits = yield* RateLimits
  yield* enforceRule(limits[which], identifierKey(identifier))
})
