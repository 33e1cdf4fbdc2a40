/** The pure rules of rate limiting: a window's decision, the store-down policy, the failed-password backoff. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import {
  backoffMillis,
  decideBackoff,
  decideStoreDown,
  decideWindow
} from "../../../src/domain/rateLimit/rateLimitDecision.ts"
import {
  addressRuleFor,
  defaultPasswordBackoff,
  type PasswordBackoffRule,
  resolveRateLimits,
  type RateLimitRule
} from "../../../src/domain/rateLimit/rateLimitRules.ts"
import { testProviders } from "../../support/memoryHarness.ts"

const rule: RateLimitRule = { name: "r", limit: 5, windowMillis: 60_000, onStoreDown: "closed" }
const backoff: PasswordBackoffRule = {
  freeFailures: defaultPasswordBackoff.freeFailures,
  baseMillis: defaultPasswordBackoff.base,
  capMillis: defaultPasswordBackoff.cap,
  windowMillis: defaultPasswordBackoff.window,
  onStoreDown: "closed"
}
const now = Date.UTC(2026, 0, 1)

describe("decideWindow", () => {
  it("allows up to the limit and refuses past it until the counter resets", () => {
    assert.deepStrictEqual(decideWindow({ count: 5, resetAfterMillis: 10_000 }, rule, now), { _tag: "Allow" })
    assert.deepStrictEqual(decideWindow({ count: 6, resetAfterMillis: 10_000 }, rule, now), { _tag: "Refuse", until: now + 10_000 })
  })

  it("a refusal always names a moment in the future", () =>
    fc.assert(fc.property(fc.integer({ min: 6, max: 1000 }), fc.double({ min: -1, max: 1e6, noNaN: true }), (count, ttl) => {
      const decision = decideWindow({ count, resetAfterMillis: ttl }, rule, now)
      return decision._tag === "Refuse" && decision.until > now
    })))
})

describe("decideStoreDown", () => {
  it("open lets through; closed refuses for the window, at most a minute", () => {
    assert.deepStrictEqual(decideStoreDown("open", 60_000, now), { _tag: "Allow" })
    assert.deepStrictEqual(decideStoreDown("closed", 10_000, now), { _tag: "Refuse", until: now + 10_000 })
    assert.deepStrictEqual(decideStoreDown("closed", 3_600_000, now), { _tag: "Refuse", until: now + 60_000 })
  })
})

describe("failed-password backoff", () => {
  const failures = fc.integer({ min: 0, max: 10_000 })

  it("the first free failures cost nothing, then base doubling: 1 s, 2 s, 4 s …", () => {
    assert.deepStrictEqual([1, 2, 3, 4, 5, 6].map((n) => backoffMillis(n, backoff)), [0, 0, 0, 1_000, 2_000, 4_000])
  })

  it("never decreases as the streak grows", () =>
    fc.assert(fc.property(failures, (n) => backoffMillis(n + 1, backoff) >= backoffMillis(n, backoff))))

  it("never exceeds the cap, however long the streak: no permanent lockout", () =>
    fc.assert(fc.property(failures, (n) => {
      const wait = backoffMillis(n, backoff)
      return Number.isFinite(wait) && wait >= 0 && wait <= backoff.capMillis
    })))

  it("reaches the cap for a long streak", () => assert.strictEqual(backoffMillis(10_000, backoff), backoff.capMillis))

  it("a reset streak (no failures) and an elapsed wait allow", () =>
    fc.assert(fc.property(fc.option(fc.integer({ min: 0, max: 2 * now })), (until) => {
      const decision = decideBackoff(until ?? undefined, now)
      return (decision._tag === "Allow") === (until === null || until <= now)
    })))
})

describe("resolveRateLimits", () => {
  it.effect("strict per-address rules on the credentials callback and the e-mail sign-in; POST otherwise; GETs free", () =>
    Effect.gen(function*() {
      const limits = yield* resolveRateLimits(undefined, testProviders)
      assert.strictEqual(addressRuleFor(limits, "POST", "/callback/credentials")?.limit, 10)
      assert.strictEqual(addressRuleFor(limits, "POST", "/signin/email")?.limit, 10)
      assert.strictEqual(addressRuleFor(limits, "POST", "/signin/github")?.limit, 60)
      assert.strictEqual(addressRuleFor(limits, "GET", "/session"), null)
      assert.strictEqual(addressRuleFor(limits, "GET", "/csrf"), null)
      assert.strictEqual(limits.credentials?.onStoreDown, "closed")
      assert.strictEqual(limits.post?.onStoreDown, "open")
    }))

  it.effect("a path set to false is off; a listed path is limited for every method", () =>
    Effect.gen(function*() {
      const limits = yield* resolveRateLimits({ paths: { "/signin/email": false, "session/": { limit: 100, window: "1 minute" } } }, testProviders)
      assert.strictEqual(addressRuleFor(limits, "POST", "/signin/email"), null)
      assert.strictEqual(addressRuleFor(limits, "GET", "/session")?.limit, 100)
    }))

  it.effect("refuses a rule that cannot be enforced", () =>
    Effect.gen(function*() {
      const zero = yield* Effect.flip(resolveRateLimits({ post: { limit: 0, window: 1000 } }, []))
      assert.strictEqual(zero._tag, "ConfigurationInvalid")
      const noWindow = yield* Effect.flip(resolveRateLimits({ email: { limit: 3, window: 0 } }, []))
      assert.strictEqual(noWindow._tag, "ConfigurationInvalid")
      const policy = yield* Effect.flip(resolveRateLimits({ email: { limit: 3, window: 1000, onStoreDown: "ajar" as "open" } }, []))
      assert.strictEqual(policy._tag, "ConfigurationInvalid")
    }))
})
