import * as fc from "fast-check"
import { expect, it } from "vitest"
import { judgeSignatureCounter } from "../../../src/domain/signatureCounter.ts"

const counter = fc.integer({ min: 0, max: 2 ** 32 - 1 })

// WebAuthn §6.1.1: a counter that does not increase means two copies of one key.
it("a counter that does not increase is a clone, unless neither side keeps one", () => {
  fc.assert(fc.property(counter, counter, (stored, received) => {
    const verdict = judgeSignatureCounter(stored, received)
    if (stored === 0 && received === 0) expect(verdict._tag).toBe("NoCounter")
    else if (received > stored) expect(verdict).toMatchObject({ _tag: "Advance", next: received })
    else expect(verdict._tag).toBe("Cloned")
  }))
})

it("a counter that was counting never goes back to 'no counter'", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 32 - 1 }), (stored) => {
    expect(judgeSignatureCounter(stored, 0)._tag).toBe("Cloned")
  }))
})

it("whatever sequence of answers, the stored counter only increases", () => {
  fc.assert(fc.property(fc.array(counter, { maxLength: 50 }), (answers) => {
    let stored = 0
    for (const received of answers) {
      const verdict = judgeSignatureCounter(stored, received)
      if (verdict._tag === "Advance") {
        expect(verdict.next).toBeGreaterThan(stored)
        stored = verdict.next
      }
    }
  }))
})
