import type { OnStoreDown, PasswordBackoffRule, RateLimitRule } from "./rateLimitRules.ts"

/** Let the request through. */
export interface Allow {
  readonly _tag: "Allow"
}

/** Refuse it until `until` (epoch milliseconds). */
export interface Refuse {
  readonly _tag: "Refuse"
  readonly until: number
}

export type LimitDecision = Allow | Refuse

export const allow: Allow = { _tag: "Allow" }
const refuseUntil = (until: number): Refuse => ({ _tag: "Refuse", until })

/**
 * A counter as the store answered after taking this request: how many it has counted, and in how many
 * milliseconds it resets (RateLimiterStore.fixedWindow's `[count, ttl]`).
 */
export interface WindowCount {
  readonly count: number
  readonly resetAfterMillis: number
}

/**
 * Within the limit, allow; past it, refuse until the counter resets — never for less than a millisecond,
 * so a refusal always names a moment in the future.
 */
export const decideWindow = (counted: WindowCount, rule: RateLimitRule, now: number): LimitDecision =>
  counted.count <= rule.limit ? allow : refuseUntil(now + Math.max(1, Math.ceil(counted.resetAfterMillis)))

/**
 * The counter store did not answer. "open" lets the request through (a limit missed is better than a site
 * down); "closed" refuses it for a short while (never a 5xx, and a guesser gains nothing from an outage):
 * the rule's window, at most a minute, since nothing says when the store is back.
 */
export const decideStoreDown = (onStoreDown: OnStoreDown, windowMillis: number, now: number): LimitDecision =>
  onStoreDown === "open" ? allow : refuseUntil(now + Math.min(windowMillis, 60_000))

/**
 * The wait a failed-password streak of `failures` in a row imposes after its last failure: nothing for the
 * first `freeFailures` (people mistype), then `base`, doubling with each further failure, never past `cap`.
 */
export const backoffMillis = (failures: number, rule: PasswordBackoffRule): number => {
  const costly = failures - rule.freeFailures
  if (costly <= 0) return 0
  // 2^costly overflows to Infinity for long streaks; min() keeps the cap.
  return Math.min(rule.capMillis, rule.baseMillis * 2 ** (costly - 1))
}

/**
 * Whether an attempt for an identifier may be tried now: refused while the wait set by its last failure
 * runs (`blockedUntil`, absent once it has passed or the streak was reset or forgotten).
 */
export const decideBackoff = (blockedUntil: number | undefined, now: number): LimitDecision =>
  blockedUntil !== undefined && blockedUntil > now ? refuseUntil(blockedUntil) : allow
