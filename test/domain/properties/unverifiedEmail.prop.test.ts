import { Option } from "effect"
import * as fc from "fast-check"
import { expect, it } from "vitest"
import { google, runCase } from "../../support/memoryHarness.ts"
import { operation, runOperations } from "../../support/signInOperations.ts"

// Invariant: a signed-out sign-in with a provider account that is not linked yet reaches a user who
// already existed only when a trusted provider (google here) says the address is verified. Anything
// else creates a new user or is refused.
it("an unverified e-mail never signs into an existing user", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 30 }), (operations) =>
      runCase(runOperations(operations, (step) => {
        const op = step.operation
        // E-mail links are themselves the proof of the address, so only provider accounts are judged.
        const tookOver = step.account !== null && step.signedInAs !== null && step.usersBefore.has(step.signedInAs) &&
          step.ownerBefore === undefined && Option.isNone(step.current)
        if (!tookOver) return
        expect(op.kind === "oauth" && op.provider === google && op.verified).toBe(true)
      }))),
    { numRuns: 150 }
  )
})
