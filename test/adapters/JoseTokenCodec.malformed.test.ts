import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { base64url, CompactEncrypt, CompactSign } from "jose"
import { type CachedKey, makeKeyCache } from "../../src/adapters/jose/keyImport.ts"
import type { Key } from "../../src/ports/KeyStore.ts"
import {
  b64json,
  claimsFor,
  currentKey,
  nowSeconds,
  open,
  rejectionOf,
  seal,
  secretBytes,
  withCodec
} from "./joseTokenFixtures.ts"

const b64 = (text: string) => base64url.encode(text)

/** Inputs that are not a compact JWS/JWE at all; `kid` is the current session key's, to get past the lookup. */
const garbage = (kid: string, valid: string): ReadonlyArray<readonly [string, string]> => {
  const [header = "", ...rest] = valid.split(".")
  return [
    ["empty", ""],
    ["a dot", "."],
    ["two dots", ".."],
    ["four dots", "...."],
    ["a.b.c", "a.b.c"],
    ["a.b.c.d.e", "a.b.c.d.e"],
    ["five dots", "a.b.c.d.e.f"],
    ["two parts", "a.b"],
    ["four parts", `${header}.${rest.slice(0, 3).join(".")}`],
    ["six parts", `${valid}.x`],
    ["one word", "session"],
    ["20 KB of a", "a".repeat(20 * 1024)],
    ["20 KB with a valid header", `${header}.${"A".repeat(20 * 1024)}.AAAA.AAAA.AAAA`],
    ["a token with a 17 KB tail", `${valid}${"A".repeat(17 * 1024)}`],
    ["non-base64 characters", "%%%.%%%.%%%"],
    ["base64 (not url) characters", `${header}+/.a.b`],
    ["padding", `${header}=.${rest.join(".")}`],
    ["whitespace", ` ${valid}`],
    ["a newline inside", `${header}\n.${rest.join(".")}`],
    ["non-ASCII", "éé.é.é"],
    ["a header that is not JSON", `${b64("not json")}.e30.c2ln`],
    ["a header that is a JSON array", `${b64json([{ alg: "HS256", kid }])}.e30.c2ln`],
    ["a header that is JSON null", `${b64json(null)}.e30.c2ln`],
    ["a header that is a JSON string", `${b64json("dir")}.e30.c2ln`],
    ["a header that is a JSON number", `${b64json(42)}.e30.c2ln`],
    ["a header that is invalid UTF-8", `${base64url.encode(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))}.e30.c2ln`],
    ["a header without alg", `${b64json({ kid })}.e30.c2ln`],
    ["a header whose alg is a number", `${b64json({ alg: 256, kid })}.e30.c2ln`],
    ["a header whose alg is empty", `${b64json({ alg: "", kid })}.e30.c2ln`],
    ["a header whose kid is a number", `${b64json({ alg: "dir", enc: "A256GCM", kid: 7 })}..AAAA.AAAA.AAAA`],
    ["a header whose kid is empty", `${b64json({ alg: "dir", enc: "A256GCM", kid: "" })}..AAAA.AAAA.AAAA`],
    ["a header whose enc is an object", `${b64json({ alg: "dir", enc: {}, kid })}..AAAA.AAAA.AAAA`],
    ["a truncated header", `${header.slice(0, -3)}.${rest.join(".")}`]
  ]
}

/** Well-formed up to the header, so they reach the session key, whose parts jose then finds malformed. */
const keyedGarbage = (valid: string): ReadonlyArray<readonly [string, string]> => {
  const [header = "", ...rest] = valid.split(".")
  return [
    ["an IV of the wrong length", `${header}..AAAA.${rest[2]}.${rest[3]}`],
    ["an empty ciphertext and tag", `${header}..${rest[1]}..`],
    ["a tag of the wrong length", `${header}..${rest[1]}.${rest[2]}.AAAA`]
  ]
}

describe("JoseTokenCodec, malformed input", () => {
  it.effect("refuses every malformed input as TokenRejected malformed, never a defect", () =>
    withCodec()(Effect.gen(function*() {
      const key = yield* currentKey("session")
      const valid = yield* seal("session", claimsFor(yield* nowSeconds))
      for (const [name, input] of garbage(key.kid, valid)) {
        assert.strictEqual(yield* rejectionOf(open("session", input)), "malformed", name)
        assert.strictEqual(yield* rejectionOf(open("checks", input)), "malformed", `${name} (checks)`)
      }
      for (const [name, input] of keyedGarbage(valid)) {
        assert.strictEqual(yield* rejectionOf(open("session", input)), "malformed", name)
      }
    })))

  it.effect("refuses malformed JWS parts under an HS256 key as malformed", () =>
    withCodec({ session: { alg: "HS256" } })(Effect.gen(function*() {
      const valid = yield* seal("session", claimsFor(yield* nowSeconds))
      const [header = "", payload = ""] = valid.split(".")
      for (
        const [name, input] of [
          ["a payload that is not base64url", `${header}.${payload.slice(0, -1)}@.sig`],
          ["a JWE-shaped token", `${header}..AAAA.AAAA.AAAA`]
        ] as const
      ) {
        assert.strictEqual(yield* rejectionOf(open("session", input)), "malformed", name)
      }
    })))

  it.effect("a well-formed header without kid names no key: unknownKey", () =>
    withCodec()(Effect.gen(function*() {
      const token = `${b64json({ alg: "dir", enc: "A256GCM" })}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`
      assert.strictEqual(yield* rejectionOf(open("session", token)), "unknownKey")
    })))

  it.effect("the 16 KB limit leaves room for big sessions: a 15 KB token opens", () =>
    withCodec({ session: { alg: "HS256" } })(Effect.gen(function*() {
      const claims = { ...claimsFor(yield* nowSeconds), pad: "x".repeat(11_000) }
      const token = yield* seal("session", claims)
      assert.isAbove(token.length, 14_000)
      assert.isBelow(token.length, 16 * 1024)
      assert.deepStrictEqual(yield* open("session", token), claims)
    })))
})

// Our header check refuses these first; jose, given exactly the key's algorithms, must refuse them on its own too.
describe("JoseTokenCodec, jose's own algorithm restriction (defense in depth)", () => {
  const prepared = (key: Key) => Effect.flatMap(Effect.sync(makeKeyCache), (cache) => cache.get(key))
  const openDirectly = (key: CachedKey, token: string) => rejectionOf(key.open(token))
  const claims = (now: number) => new TextEncoder().encode(JSON.stringify(claimsFor(now)))

  it.effect("a dir + A256GCM key's opener refuses another enc and a JWS", () =>
    withCodec()(Effect.gen(function*() {
      const key = yield* currentKey("session")
      const cached = yield* prepared(key)
      const now = yield* nowSeconds
      const bytes = secretBytes(key)
      const a128 = yield* Effect.promise(() =>
        new CompactEncrypt(claims(now)).setProtectedHeader({ alg: "dir", enc: "A128GCM", kid: key.kid })
          .encrypt(bytes.slice(0, 16))
      )
      assert.strictEqual(yield* openDirectly(cached, a128), "algorithm")
      const kw = yield* Effect.promise(() =>
        new CompactEncrypt(claims(now)).setProtectedHeader({ alg: "A256KW", enc: "A256GCM", kid: key.kid })
          .encrypt(bytes)
      )
      assert.strictEqual(yield* openDirectly(cached, kw), "algorithm")
    })))

  it.effect("an RS256 key's opener refuses HS256 and alg none", () =>
    withCodec({ session: { alg: "RS256" } })(Effect.gen(function*() {
      const key = yield* currentKey("session")
      const cached = yield* prepared(key)
      const now = yield* nowSeconds
      const hs256 = yield* Effect.promise(() =>
        new CompactSign(claims(now)).setProtectedHeader({ alg: "HS256", kid: key.kid })
          .sign(new TextEncoder().encode(JSON.stringify(key._tag === "KeyPair" ? key.publicJwk : {})))
      )
      assert.strictEqual(yield* openDirectly(cached, hs256), "algorithm")
      const none = `${b64json({ alg: "none", kid: key.kid })}.${base64url.encode(claims(now))}.`
      assert.strictEqual(yield* openDirectly(cached, none), "algorithm")
    })))
})
