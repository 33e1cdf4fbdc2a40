import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { secretStrength, weakSecret } from "../../src/domain/secretStrength.ts"

const runs = { numRuns: 2000 }
/** Bytes as a CSPRNG gives them: uniform, without fast-check's bias towards small values and edge cases. */
const randomBytes = (minLength: number, maxLength = 64) => fc.noBias(fc.uint8Array({ minLength, maxLength }))

describe("secretStrength refuses what a person types", () => {
  it.each([
    ["hunter2", "short"],
    ["", "short"],
    ["a".repeat(31), "short"],
    // 31 code points, though 62 UTF-16 units.
    ["😀".repeat(31), "short"],
    ["a".repeat(32), "lowEntropy"],
    ["Z".repeat(100), "lowEntropy"],
    ["hunter2hunter2hunter2hunter2hunter2", "lowEntropy"],
    ["http-test-secret-http-test-secret-0123456789", "lowEntropy"],
    ["fast-path-secret-fast-path-secret-0123", "lowEntropy"],
    ["oidc-e2e-secret-oidc-e2e-secret-0123456789", "lowEntropy"],
    ["test-secret-test-secret-0123456789", "lowEntropy"],
    ["walkthrough-secret-walkthrough-secret", "lowEntropy"],
    ["abcabcabcabcabcabcabcabcabcabcabc", "lowEntropy"],
    ["abababababababababababababababab", "lowEntropy"],
    ["aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbb", "lowEntropy"],
    ["0123456789abcdef0123456789abcdef", "lowEntropy"],
    ["abcdefghijklmnopqrstuvwxyz012345", "lowEntropy"],
    ["9876543210zyxwvutsrqponmlkjihgfedcba", "lowEntropy"],
    ["12345678901234567890123456789012345678901234567890", "lowEntropy"],
    ["😀".repeat(32), "lowEntropy"],
    ["changeme-changeme-changeme-changeme", "placeholder"],
    ["changeme0Qx7vLr2KpT9wZs4NbY6cHd1", "placeholder"],
    ["your-secret-here-make-it-long-and-random", "placeholder"],
    ["Your_Secret_Here_0123456789abcdefghij", "placeholder"],
    ["REPLACE-ME-with-a-real-secret-before-deploying", "placeholder"],
    ["<insert secret here, at least 32 characters>", "placeholder"]
  ] as const)("%j is %s", (secret, expected) => {
    expect(secretStrength(secret)).toBe(expected)
  })
})

describe("secretStrength accepts what a generator prints", () => {
  it.each([
    // openssl rand -base64 33
    "iCk0CvYFs/tn8dwvPMZh5k9FOif+N+cMciUon+wUdwgm",
    "3a6deaGwtUXe6OtyAwOMOQEfoozgwmGU6U3s6YPLwh/g",
    // openssl rand -hex 32
    "5c0f6a2e8d4b7f91a3c2e6d0b9f48a17c35e2d9b6f0a4c81e7d3b5a9f2c6e084",
    // openssl rand -hex 16, including the chance runs and repeats random text has
    "52e415aee4a78974157654234a54f0ca",
    "82e583334566542c44b3a39814f17654",
    "962C4FFF7656F39873210BB8583A555D",
    // 32 random digits (106 bits)
    "40217395868301527749016283574910",
    // random printable ASCII
    "q#8Lz!v2@Rk$W^m7&Xp*3Tn(9Bc)Yd_4"
  ])("%j", (secret) => {
    expect(secretStrength(secret)).toBe("strong")
  })

  // 16 bytes is 32 hex characters; in base64 it is 22 to 24, under the 32-character minimum, so base64
  // starts at 24 bytes (32 characters).
  it("never refuses random bytes in hex (16 bytes or more), lower or upper case", () => {
    fc.assert(
      fc.property(randomBytes(16), fc.boolean(), (b, upper) => {
        const hex = Buffer.from(b).toString("hex")
        expect(secretStrength(upper ? hex.toUpperCase() : hex)).toBe("strong")
      }),
      runs
    )
  })

  it("never refuses random bytes in base64 or base64url (24 bytes or more)", () => {
    fc.assert(
      fc.property(randomBytes(24), fc.constantFrom("base64", "base64url" as const), (b, encoding) => {
        expect(secretStrength(Buffer.from(b).toString(encoding))).toBe("strong")
      }),
      runs
    )
  })

  it("never refuses what `authfx secret` prints: 33 random bytes in base64", () => {
    fc.assert(
      fc.property(randomBytes(33, 33), (b) => {
        expect(secretStrength(Buffer.from(b).toString("base64"))).toBe("strong")
      }),
      runs
    )
  })
})

describe("secretStrength is total", () => {
  it("answers for any string, never throws", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        expect(["strong", "short", "placeholder", "lowEntropy"]).toContain(secretStrength(s))
      }),
      runs
    )
  })

  it("a longer repetition of the same pattern is never stronger", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 40 }), (unit, times) => {
        const secret = unit.repeat(Math.ceil(32 / unit.length) + times)
        expect(secretStrength(secret)).not.toBe("strong")
      }),
      runs
    )
  })
})

describe("WeakSecret", () => {
  it("names the secret by its place and says how to make one, never quoting it", () => {
    const error = weakSecret("AUTH_SECRET", "lowEntropy")
    expect(error._tag).toBe("WeakSecret")
    expect(error.message).toBe(
      "AUTH_SECRET is too predictable (repeats, runs or sequences): use at least 32 random characters, e.g. the " +
        "output of `openssl rand -base64 33` or `npx authfx secret`."
    )
  })
})
