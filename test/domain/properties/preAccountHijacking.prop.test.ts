import * as fc from "fast-check"
import { expect, it } from "vitest"
import { runCase } from "../../support/memoryHarness.ts"
import { operation, runOperations } from "../../support/signInOperations.ts"

// Invariant (the other side of "an unverified e-mail never signs into an existing user"): whoever proves
// an address — by its magic link — never lands in an existing user that had only claimed it, because the
// claimant may hold that user's other ways in. They land in a user that proved it, or a new one.
it("the proven owner of an address never lands in a user that only claimed it", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 30 }), (operations) =>
      runCase(runOperations(operations, (step) => {
        if (step.operation.kind !== "email" || step.signedInAs === null) return
        if (!step.usersBefore.has(step.signedInAs)) return
        expect(step.provedBefore.has(step.signedInAs)).toBe(true)
      }))),
    { numRuns: 150 }
  )
})
