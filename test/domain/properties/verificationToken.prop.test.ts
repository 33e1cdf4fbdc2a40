import { Effect } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { expect, it } from "vitest"
import { followLink, requestLink, runCase } from "../../support/memoryHarness.ts"

// Invariant: a magic link signs in exactly once — also when many consumers race for it — and never
// after it expired. Several links are live at once so consumers of one cannot spend another. At most three,
// so no address exceeds the cap on pending links (which has its own property test: pendingLinks.prop.test.ts).
it("a verification token works exactly once, also with many concurrent consumers", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          email: fc.constantFrom("p@x.test", "q@x.test", "r@x.test"),
          consumers: fc.integer({ min: 1, max: 50 })
        }),
        { minLength: 1, maxLength: 3 }
      ),
      fc.integer({ min: 0, max: 48 * 60 * 60 }),
      fc.integer(),
      (links, waitSeconds, seed) =>
        runCase(Effect.gen(function*() {
          const issued = yield* Effect.forEach(links, (link) => requestLink(link.email))
          yield* TestClock.adjust(waitSeconds * 1000)
          const expired = waitSeconds >= 24 * 60 * 60
          const attempts = issued.flatMap((link, index) =>
            Array.from({ length: links[index]!.consumers }, () => ({ index, link })))
          const results = yield* Effect.forEach(
            attempts,
            ({ index, link }) => Effect.map(Effect.result(followLink(link)), (result) => ({ index, result })),
            { concurrency: "unbounded" }
          )
          issued.forEach((_, index) => {
            const wins = results.filter((r) => r.index === index && r.result._tag === "Success").length
            expect(wins).toBe(expired ? 0 : 1)
          })
          for (const { result } of results) {
            if (result._tag === "Failure") expect(result.failure._tag).toBe("Verification")
          }
          // Spent or expired, it stays dead.
          for (const link of issued) expect((yield* Effect.flip(followLink(link)))._tag).toBe("Verification")
        }), undefined, seed)
    ),
    { numRuns: 60 }
  )
})
