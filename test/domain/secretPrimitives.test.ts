import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { equalSecrets } from "../../src/domain/equalSecrets.ts"

const sources = (readdirSync("src", { recursive: true, encoding: "utf8" }))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => join("src", file))
const filesMatching = (pattern: RegExp) => sources.filter((file) => pattern.test(readFileSync(file, "utf8"))).sort()

describe("one constant-time comparison in src", () => {
  it("every secret comparison is equalSecrets: no other timingSafeEqual or XOR-accumulate loop", () => {
    expect(filesMatching(/timingSafeEqual|\|=[^;\n]*\^/)).toEqual(["src/domain/equalSecrets.ts"])
  })
})

describe("equalSecrets", () => {
  it.each([
    ["equal hex", "9f".repeat(32), "9f".repeat(32), true],
    ["one character off at the end", "9f".repeat(32), `${"9f".repeat(31)}9e`, false],
    ["one character off at the start", "9f".repeat(32), `8f${"9f".repeat(31)}`, false],
    ["a prefix", "abcdef", "abc", false],
    ["empty and empty", "", "", true],
    ["empty and not", "", "a", false],
    ["equal beyond ASCII", "clé✓", "clé✓", true],
    // Same UTF-16 length, different UTF-8 bytes.
    ["é and e", "é", "e", false]
  ])("%s", (_title, a, b, equal) => {
    expect(equalSecrets(a, b)).toBe(equal)
  })

  it("answers exactly what === answers", () => {
    const pair = fc.oneof(
      fc.tuple(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" })),
      fc.string({ unit: "grapheme" }).map((s) => [s, s] as const)
    )
    fc.assert(fc.property(pair, ([a, b]) => equalSecrets(a, b) === (a === b)), { numRuns: 500 })
  })
})
