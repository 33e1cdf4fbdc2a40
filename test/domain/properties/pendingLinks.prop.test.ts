import { Effect, Redacted } from "effect"
import * as fc from "fast-check"
import { TestClock } from "effect/testing"
import { expect, it } from "vitest"
import * as MemoryMailer from "../../../src/adapters/memory/MemoryMailer.ts"
import { linksBeyondCap, type PendingLink } from "../../../src/domain/pendingLinks.ts"
import type { EmailProviderConfig } from "../../../src/domain/Provider.ts"
import { followLink, requestLink, runCase, testProviders } from "../../support/memoryHarness.ts"

const maxAge = 100_000

type Op =
  | { readonly kind: "issue"; readonly who: number; readonly hash: string }
  | { readonly kind: "consume"; readonly who: number; readonly pick: number }
  | { readonly kind: "advance"; readonly ms: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("issue" as const), who: fc.nat(2), hash: fc.string({ minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("consume" as const), who: fc.nat(2), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: maxAge / 2 }) }) }
)

// Invariant (the rule alone, over any sequence of issues, uses and clock moves for a few addresses): after every
// issue an address has at most `max` live tokens; the one just issued is among them; a live token is deleted only
// when at least `max` live tokens newer than it remain, none older than it is kept (the newest are kept); and a
// used or expired token never counts — it never pushes a live one out.
it("linksBeyondCap: at most max live per address, the fresh one and the newest kept, used and expired never count", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
      let now = 0
      let seq = 0
      const stored = new Map<number, Array<PendingLink>>()
      const live = (links: ReadonlyArray<PendingLink>) => links.filter((link) => link.expires.getTime() > now)
      for (const step of ops) {
        if (step.kind === "advance") {
          now += step.ms
          continue
        }
        const before = stored.get(step.who) ?? []
        if (step.kind === "consume") {
          // A used token is gone from the store: that is all "used" means to the rule.
          if (before.length > 0) before.splice(step.pick % before.length, 1)
          continue
        }
        const fresh = { tokenHash: `${step.hash}#${seq++}`, expires: new Date(now + maxAge) }
        const all = [...before, fresh]
        const dropped = linksBeyondCap(all, fresh.tokenHash, { max, now: new Date(now) })
        const kept = all.filter((link) => !dropped.includes(link))
        stored.set(step.who, kept)

        expect(kept).toContain(fresh)
        expect(live(kept).length).toBeLessThanOrEqual(max)
        // Expired ones go too (they can never sign in); nothing live is dropped while there is room.
        expect(live(kept)).toHaveLength(Math.min(max, live(all).length))
        for (const gone of live(dropped)) {
          for (const staying of live(kept)) expect(staying.expires.getTime()).toBeGreaterThanOrEqual(gone.expires.getTime())
        }
      }
    }),
    { numRuns: 300 }
  )
})

// The same, through the whole program on the memory store with every store call yielding a seeded random number of
// times: concurrent requests for a few addresses, some racing with uses of earlier links, still leave each address
// at most `max` links that work; with no use in between, exactly `min(max, requested)`.
it("concurrent magic-link requests and uses: each address keeps at most maxPendingLinks working links", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.constantFrom("p@x.test", "q@x.test"), { minLength: 1, maxLength: 12 }),
      fc.array(fc.constantFrom("p@x.test", "q@x.test"), { maxLength: 12 }),
      fc.integer(),
      (max, first, burst, seed) =>
        runCase(
          Effect.gen(function*() {
            yield* Effect.forEach(first, requestLink, { concurrency: "unbounded" })
            const earlier = yield* mailedLinks
            yield* TestClock.adjust(1000)
            // The burst races with uses of every earlier link.
            const [, used] = yield* Effect.all([
              Effect.forEach(burst, requestLink, { concurrency: "unbounded" }),
              Effect.forEach(earlier, (link) => Effect.result(followLink(link)), { concurrency: "unbounded" })
            ], { concurrency: "unbounded" })
            const fresh = (yield* mailedLinks).slice(earlier.length)
            const worked = yield* Effect.forEach(fresh, (link) => Effect.map(Effect.result(followLink(link)), (r) => r._tag === "Success"))
            for (const address of ["p@x.test", "q@x.test"]) {
              const working = fresh.filter((link, i) => link.email === address && worked[i]).length
              const requested = burst.filter((email) => email === address).length
              expect(working).toBeLessThanOrEqual(max)
              if (requested > 0) expect(working).toBeGreaterThanOrEqual(1)
              // Each earlier link either worked once when used or had been pushed out: never more than max did.
              const earlierWorked = earlier.filter((link, i) => link.email === address && used[i]!._tag === "Success")
              expect(earlierWorked.length).toBeLessThanOrEqual(max)
            }
          }),
          { providers: capped(max) },
          seed
        )
    ),
    { numRuns: 40 }
  )
})

it("with no use in between, exactly min(max, requested) links of an address work", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 10 }), fc.integer(), (max, n, seed) =>
      runCase(
        Effect.gen(function*() {
          yield* Effect.forEach(Array.from({ length: n }, () => "r@x.test"), requestLink, { concurrency: "unbounded" })
          const links = yield* mailedLinks
          const worked = yield* Effect.forEach(links, (link) => Effect.map(Effect.result(followLink(link)), (r) => r._tag))
          expect(worked.filter((tag) => tag === "Success")).toHaveLength(Math.min(max, n))
        }),
        { providers: capped(max) },
        seed
      )),
    { numRuns: 40 }
  )
})

const capped = (max: number) =>
  testProviders.map((provider) =>
    provider.type === "email" ? ({ ...provider, maxPendingLinks: max } satisfies EmailProviderConfig) : provider)

/** Every link the memory mailer sent, oldest first. */
const mailedLinks = Effect.map(MemoryMailer.Outbox.use((outbox) => outbox.all), (messages) =>
  messages.map((message) => {
    const url = new URL(Redacted.value(message.text).split("\n").find((line) => line.startsWith("http"))!)
    return { token: url.searchParams.get("token")!, email: url.searchParams.get("email")! }
  }))
