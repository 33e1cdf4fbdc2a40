/**
 * The step-up rule (src/domain/stepUp.ts): a sensitive action needs a sign-in younger than `stepUpMaxAge`.
 */
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { stepUpRequired } from "../../../src/domain/stepUp.ts"

const instant = fc.integer({ min: 0, max: 4_102_444_800_000 })
const maxAge = fc.integer({ min: 0, max: 30 * 24 * 3600 })

describe("stepUpRequired", () => {
  it("an unknown auth time always needs a step-up", () => {
    fc.assert(fc.property(instant, maxAge, (now, stepUpMaxAge) => {
      expect(stepUpRequired(now, null, { stepUpMaxAge })).toBe(true)
    }))
  })

  it("allows exactly the sign-ins younger than stepUpMaxAge", () => {
    fc.assert(fc.property(instant, maxAge, fc.integer({ min: 0, max: 60 * 24 * 3600 * 1000 }), (now, stepUpMaxAge, age) => {
      expect(stepUpRequired(now, now - age, { stepUpMaxAge })).toBe(age >= stepUpMaxAge * 1000)
    }))
  })

  it("once required, stays required as time passes (no sign-in grows younger)", () => {
    fc.assert(fc.property(instant, instant, maxAge, fc.nat(), (now, authTime, stepUpMaxAge, later) => {
      if (stepUpRequired(now, authTime, { stepUpMaxAge })) {
        expect(stepUpRequired(now + later, authTime, { stepUpMaxAge })).toBe(true)
      }
    }))
  })

  it("a later sign-in never needs a step-up where an earlier one did not", () => {
    fc.assert(fc.property(instant, instant, maxAge, fc.nat(), (now, authTime, stepUpMaxAge, newer) => {
      if (!stepUpRequired(now, authTime, { stepUpMaxAge })) {
        expect(stepUpRequired(now, authTime + newer, { stepUpMaxAge })).toBe(false)
      }
    }))
  })

  it("stepUpMaxAge 0 requires a step-up for every action", () => {
    fc.assert(fc.property(instant, instant, (now, authTime) => {
      fc.pre(authTime <= now)
      expect(stepUpRequired(now, authTime, { stepUpMaxAge: 0 })).toBe(true)
    }))
  })
})
