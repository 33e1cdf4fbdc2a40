import * as fc from "fast-check"
import { expect, it } from "vitest"
import { runCase } from "../../support/memoryHarness.ts"
import { operation, runOperations } from "../../support/signInOperations.ts"

// Invariant: a provider account never belongs to two users. Once linked, every later sign-in with it
// lands on the same user (until it is unlinked or its user deleted), whoever is signed in, whatever
// e-mail the provider reports; and the store always agrees with that.
it("no provider account ever belongs to two users", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 30 }), (operations) =>
      runCase(runOperations(operations, (step) => {
        if (step.account !== null && step.signedInAs !== null && step.ownerBefore !== undefined) {
          expect(step.signedInAs).toBe(step.ownerBefore)
        }
      }))),
    { numRuns: 150 }
  )
})
