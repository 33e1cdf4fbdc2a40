/** Property tests of the two-factor rules: base32, the candidate steps, the gate, the store transitions. */
import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import * as fc from "fast-check"
import type { UserId } from "../../../src/domain/User.ts"
import { base32Decode, base32Encode } from "../../../src/domain/twoFactor/base32.ts"
import * as EnrolmentState from "../../../src/domain/twoFactor/enrolmentState.ts"
import { decideSecondFactor } from "../../../src/domain/twoFactor/secondFactorGate.ts"
import { candidateSteps, totpSkewSteps } from "../../../src/domain/twoFactor/totp.ts"

describe("two-factor rules (properties)", () => {
  it("base32 decodes what it encodes", () =>
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      assert.deepStrictEqual(base32Decode(base32Encode(bytes)), bytes)
    })))

  it("candidate steps: within ±1 of now, never at or before the last used step", () =>
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e10 }), fc.option(fc.integer({ min: 0, max: 1e10 })), (step, last) => {
      for (const s of candidateSteps(step, last)) {
        assert.isTrue(Math.abs(s - step) <= totpSkewSteps)
        if (last !== null) assert.isTrue(s > last)
      }
      if (last === null || last < step - totpSkewSteps) assert.strictEqual(candidateSteps(step, last).length, 3)
    })))

  it("the gate: a session without a second factor only when none is on and none required, or the trust fits", () =>
    fc.assert(fc.property(
      fc.string(), fc.option(fc.string()), fc.boolean(), fc.option(fc.record({ userId: fc.string(), enrolmentId: fc.string() })),
      (userId, enrolmentId, required, trust) => {
        const decision = decideSecondFactor({ userId, enrolmentId, required, trust })
        const trusted = trust !== null && trust.userId === userId && trust.enrolmentId === enrolmentId
        if (decision._tag === "Proceed") assert.isTrue(enrolmentId === null ? !required : trusted)
        if (enrolmentId !== null) assert.notStrictEqual(decision._tag, "Enrol")
        if (enrolmentId === null && required) assert.strictEqual(decision._tag, "Enrol")
      }
    )))

  it("transitions: the last step only grows; a code hash is consumed at most once; an enabled enrolment is never replaced", () => {
    const userId = "u" as UserId
    const op = fc.oneof(
      fc.record({ kind: fc.constant("step" as const), step: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant("code" as const), code: fc.constantFrom("a", "b", "c") }),
      fc.record({ kind: fc.constant("start" as const), id: fc.constantFrom("e1", "e2") }),
      fc.record({ kind: fc.constant("enable" as const), id: fc.constantFrom("e1", "e2"), step: fc.integer({ min: 0, max: 20 }) })
    )
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      let state: EnrolmentState.EnrolmentState | undefined
      const consumed = new Set<string>()
      for (const o of ops) {
        const before = state
        const t = o.kind === "step"
          ? EnrolmentState.useStep(state, state?.id ?? "e1", o.step)
          : o.kind === "code"
          ? EnrolmentState.consumeCode(state, o.code)
          : o.kind === "start"
          ? EnrolmentState.start(state, { userId, id: o.id, secret: Redacted.make("S"), createdAt: new Date(0) })
          : EnrolmentState.enable(state, o.id, { enabledAt: new Date(1), step: o.step, backupCodeHashes: ["a", "b", "c"] })
        state = t.next
        if (!t.answer) assert.deepStrictEqual(state, before)
        if (o.kind === "step" && t.answer) assert.isTrue(before?.lastStep === null || o.step > before!.lastStep!)
        if (o.kind === "code" && t.answer) {
          assert.isFalse(consumed.has(`${state!.id}:${o.code}`))
          consumed.add(`${state!.id}:${o.code}`)
        }
        if (o.kind === "start" && before?.enabledAt !== null && before !== undefined) assert.isFalse(t.answer)
      }
    }))
  })
})
