import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Mac, SecureRandom } from "effect/crypto"
import * as fc from "fast-check"
import { createHmac } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { cryptoLayer } from "../../src/compose/cryptoLayer.ts"
import { equalSecrets } from "../../src/domain/equalSecrets.ts"
import { hmacSha256Hex } from "../../src/domain/hmacSha256.ts"

const sources = (readdirSync("src", { recursive: true, encoding: "utf8" }))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => join("src", file))
const filesMatching = (pattern: RegExp) => sources.filter((file) => pattern.test(readFileSync(file, "utf8"))).sort()

describe("one constant-time comparison and one HMAC in src", () => {
  it("every secret comparison is equalSecrets: no other timingSafeEqual or XOR-accumulate loop", () => {
    expect(filesMatching(/timingSafeEqual|\|=[^;\n]*\^/)).toEqual(["src/domain/equalSecrets.ts"])
  })

  it("every HMAC is hmacSha256Hex: no other createHmac or Mac.hmacSha256 (cryptoLayer implements the Mac it runs on)", () => {
    expect(filesMatching(/createHmac|Mac\.hmacSha256/)).toEqual(["src/compose/cryptoLayer.ts", "src/domain/hmacSha256.ts"])
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

describe("hmacSha256Hex", () => {
  const macLayers = [
    ["WebCrypto", Mac.layerWebCrypto.pipe(Layer.provide(SecureRandom.layerWebCrypto))],
    ["the composition's cryptoLayer", cryptoLayer]
  ] as const

  for (const [name, macLayer] of macLayers) {
    it.effect(`RFC 4231 test cases 1 and 2 (${name})`, () =>
      Effect.gen(function*() {
        const key = new Uint8Array(20).fill(0x0b)
        assert.strictEqual(
          yield* hmacSha256Hex(key, "Hi There"),
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        )
        assert.strictEqual(
          yield* hmacSha256Hex(new TextEncoder().encode("Jefe"), "what do ya want for nothing?"),
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        )
      }).pipe(Effect.provide(macLayer)))

    it.effect(`agrees with node:crypto on any key and UTF-8 message (${name})`, () =>
      Effect.gen(function*() {
        const samples = fc.sample(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.string({ unit: "grapheme" })), 200)
        for (const [key, message] of samples) {
          assert.strictEqual(yield* hmacSha256Hex(key, message), createHmac("sha256", key).update(message).digest("hex"))
        }
      }).pipe(Effect.provide(macLayer)))
  }
})
