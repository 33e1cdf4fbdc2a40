import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { base64url, CompactEncrypt, CompactSign, exportSPKI, importJWK } from "jose"
import type * as MemoryKeyStore from "../../src/adapters/memory/MemoryKeyStore.ts"
import { makeKeyCache } from "../../src/adapters/jose/keyImport.ts"
import { type Key, KeyStore } from "../../src/ports/KeyStore.ts"
import { TokenCodec } from "../../src/ports/TokenCodec.ts"
import {
  b64json,
  buildCodec,
  claimsFor,
  currentKey,
  foreignSecret,
  headerOf,
  isDefect,
  nowSeconds,
  open,
  rejectionOf,
  seal,
  sealRaw,
  secretBytes,
  segments,
  tamper,
  withCodec
} from "./joseTokenFixtures.ts"

interface Case {
  readonly name: string
  readonly session?: MemoryKeyStore.SessionKeyOptions
  readonly alg: string
  readonly enc: string | null
}

const cases: ReadonlyArray<Case> = [
  { name: "dir + A256GCM (default)", alg: "dir", enc: "A256GCM" },
  { name: "dir + A256CBC-HS512", session: { alg: "dir", enc: "A256CBC-HS512" }, alg: "dir", enc: "A256CBC-HS512" },
  { name: "HS256", session: { alg: "HS256" }, alg: "HS256", enc: null },
  { name: "HS512", session: { alg: "HS512" }, alg: "HS512", enc: null },
  { name: "RS256", session: { alg: "RS256" }, alg: "RS256", enc: null },
  { name: "PS256", session: { alg: "PS256" }, alg: "PS256", enc: null },
  { name: "ES256", session: { alg: "ES256" }, alg: "ES256", enc: null },
  { name: "EdDSA", session: { alg: "EdDSA" }, alg: "EdDSA", enc: null },
  { name: "RSA-OAEP-256 + A256GCM", session: { alg: "RSA-OAEP-256" }, alg: "RSA-OAEP-256", enc: "A256GCM" },
  { name: "ECDH-ES + A256GCM", session: { alg: "ECDH-ES" }, alg: "ECDH-ES", enc: "A256GCM" },
  {
    name: "ECDH-ES + A256CBC-HS512",
    session: { alg: "ECDH-ES", enc: "A256CBC-HS512" },
    alg: "ECDH-ES",
    enc: "A256CBC-HS512"
  }
]

const isJwe = (c: Case) => c.enc !== null
const storeOptions = (c: Case) => (c.session === undefined ? {} : { session: c.session })

/** An unsigned JWT (RFC 7519 §6) naming our key: a verifier that trusted the header would accept it. */
const unsecured = (kid: string, claims: object) => `${b64json({ alg: "none", kid, typ: "JWT" })}.${b64json(claims)}.`

/** A token made by hand in another shape than the key's, with key material an attacker might hold or guess. */
const hmacWith = (key: Uint8Array, kid: string, claims: object) =>
  Effect.promise(() =>
    new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: "HS256", kid, typ: "JWT" })
      .sign(key)
  )
const dirWith = (key: Uint8Array, enc: string, kid: string, claims: object) =>
  Effect.promise(() =>
    new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: "dir", enc, kid, typ: "JWT" })
      .encrypt(key)
  )

// The public key as an attacker can get it (from /jwks), in the two spellings HMAC-confusion attacks use.
const publicKeyBytes = async (key: Key) => {
  if (key._tag !== "KeyPair") throw new Error("expected a key pair")
  const imported = await importJWK({ ...key.publicJwk }, key.alg, { extractable: true })
  if (imported instanceof Uint8Array) throw new Error("a public JWK imports as a CryptoKey")
  const pem = await exportSPKI(imported)
  return [new TextEncoder().encode(pem), new TextEncoder().encode(JSON.stringify(key.publicJwk))] as const
}

describe.each(cases)("JoseTokenCodec, $name session keys", (c) => {
  const run = withCodec(storeOptions(c))

  it.effect("round-trips the claims exactly", () =>
    run(Effect.gen(function*() {
      const claims = { ...claimsFor(yield* nowSeconds), roles: ["admin"], nested: { a: 1, b: null } }
      const token = yield* seal("session", claims)
      assert.deepStrictEqual(yield* open("session", token), claims)
    })))

  it.effect("names the current key by kid, with its algorithm and typ JWT, in the protected header", () =>
    run(Effect.gen(function*() {
      const key = yield* currentKey("session")
      const token = yield* seal("session", claimsFor(yield* nowSeconds))
      assert.deepStrictEqual([key.alg, key.enc], [c.alg, c.enc])
      const expected = isJwe(c)
        ? { alg: c.alg, enc: c.enc, kid: key.kid, typ: "JWT" }
        : { alg: c.alg, kid: key.kid, typ: "JWT" }
      const { epk: _ephemeralKey, ...header } = headerOf(token)
      assert.deepStrictEqual(header, expected)
      assert.strictEqual(segments(token).length, isJwe(c) ? 5 : 3)
    })))

  it.effect("seals every token afresh (random IV or signature input differs by claims)", () =>
    run(Effect.gen(function*() {
      const now = yield* nowSeconds
      const [a, b] = [yield* seal("session", claimsFor(now)), yield* seal("session", { ...claimsFor(now), jti: "x" })]
      assert.notStrictEqual(a, b)
    })))

  it.effect("refuses every tampered part with reason signature", () =>
    run(Effect.gen(function*() {
      const token = yield* seal("session", claimsFor(yield* nowSeconds))
      // JWE: encrypted key (when there is one), IV, ciphertext, tag; JWS: payload, signature.
      const parts = segments(token).flatMap((part, index) => (index > 0 && part.length > 0 ? [index] : []))
      for (const part of parts) {
        assert.strictEqual(yield* rejectionOf(open("session", tamper(token, part))), "signature", `part ${part}`)
      }
    })))

  it.effect("refuses a header changed to say more while still naming the key (it is signed / the AAD)", () =>
    run(Effect.gen(function*() {
      const token = yield* seal("session", claimsFor(yield* nowSeconds))
      const [, ...rest] = segments(token)
      const forged = [b64json({ ...headerOf(token), admin: true }), ...rest].join(".")
      assert.strictEqual(yield* rejectionOf(open("session", forged)), "signature")
    })))

  it.effect("refuses an unsecured alg none token naming the current key", () =>
    run(Effect.gen(function*() {
      const key = yield* currentKey("session")
      const token = unsecured(key.kid, claimsFor(yield* nowSeconds))
      assert.strictEqual(yield* rejectionOf(open("session", token)), "algorithm")
    })))

  if (c.alg !== "dir" && !c.alg.startsWith("HS")) {
    it.effect("refuses HS256 tokens keyed with the public key's PEM or JWK bytes (algorithm confusion)", () =>
      run(Effect.gen(function*() {
        const key = yield* currentKey("session")
        const claims = claimsFor(yield* nowSeconds)
        for (const bytes of yield* Effect.promise(() => publicKeyBytes(key))) {
          assert.strictEqual(yield* rejectionOf(open("session", yield* hmacWith(bytes, key.kid, claims))), "algorithm")
        }
      })))
  }

  if (c.alg === "dir") {
    it.effect("refuses a JWS keyed with the JWE key's bytes", () =>
      run(Effect.gen(function*() {
        const key = yield* currentKey("session")
        const token = yield* hmacWith(secretBytes(key), key.kid, claimsFor(yield* nowSeconds))
        assert.strictEqual(yield* rejectionOf(open("session", token)), "algorithm")
      })))

    it.effect("refuses a JWE under the same key bytes with another enc", () =>
      run(Effect.gen(function*() {
        const key = yield* currentKey("session")
        const claims = claimsFor(yield* nowSeconds)
        const bytes = secretBytes(key)
        const other = key.enc === "A256GCM"
          ? yield* dirWith(bytes.slice(0, 16), "A128GCM", key.kid, claims)
          : yield* dirWith(bytes.slice(0, 32), "A256GCM", key.kid, claims)
        assert.strictEqual(yield* rejectionOf(open("session", other)), "algorithm")
      })))
  }

  if (c.alg.startsWith("HS")) {
    it.effect("refuses a JWE keyed with the JWS key's bytes", () =>
      run(Effect.gen(function*() {
        const key = yield* currentKey("session")
        const token = yield* dirWith(secretBytes(key).slice(0, 32), "A256GCM", key.kid, claimsFor(yield* nowSeconds))
        assert.strictEqual(yield* rejectionOf(open("session", token)), "algorithm")
      })))

    it.effect("refuses another HMAC strength under the same key bytes", () =>
      run(Effect.gen(function*() {
        const key = yield* currentKey("session")
        const other = c.alg === "HS256" ? "HS512" : "HS256"
        const claims = new TextEncoder().encode(JSON.stringify(claimsFor(yield* nowSeconds)))
        const token = yield* Effect.promise(() =>
          new CompactSign(claims).setProtectedHeader({ alg: other, kid: key.kid }).sign(secretBytes(key))
        )
        assert.strictEqual(yield* rejectionOf(open("session", token)), "algorithm")
      })))
  }

  it.effect("refuses a token in the other serialization that names the key's own algorithm", () =>
    run(Effect.gen(function*() {
      const key = yield* currentKey("session")
      const header = b64json({ alg: key.alg, kid: key.kid, ...(key.enc === null ? {} : { enc: key.enc }) })
      const token = isJwe(c) ? `${header}.${b64json({ exp: 1e10 })}.c2ln` : `${header}..AAAA.AAAA.AAAA`
      assert.strictEqual(yield* rejectionOf(open("session", token)), "malformed")
    })))

  it.effect("refuses a token sealed by another deployment's key store as unknownKey", () =>
    run(Effect.gen(function*() {
      const foreign = yield* buildCodec({ ...storeOptions(c), secrets: [foreignSecret] })
      const token = yield* foreign.seal("session", claimsFor(yield* nowSeconds))
      assert.deepStrictEqual(yield* foreign.open("session", token), claimsFor(yield* nowSeconds))
      assert.strictEqual(yield* rejectionOf(open("session", token)), "unknownKey")
    })))

  it.effect("keeps purposes apart: a checks token is no session token, and the other way round", () =>
    run(Effect.gen(function*() {
      const claims = claimsFor(yield* nowSeconds)
      const checks = yield* seal("checks", claims)
      const session = yield* seal("session", claims)
      assert.deepStrictEqual(yield* open("checks", checks), claims)
      assert.strictEqual(yield* rejectionOf(open("session", checks)), "unknownKey")
      assert.strictEqual(yield* rejectionOf(open("checks", session)), "unknownKey")
    })))

  it.effect("keeps opening tokens of a rotated-out key until it retires, then refuses them", () =>
    run(Effect.gen(function*() {
      const claims = claimsFor(yield* nowSeconds, 24 * 3600)
      const old = yield* seal("session", claims)
      const rotated = yield* KeyStore.use((store) => store.rotate("session", { retireAfterSeconds: 600 }))
      const fresh = yield* seal("session", claims)
      assert.strictEqual(headerOf(fresh)["kid"], rotated.kid)
      assert.notStrictEqual(headerOf(old)["kid"], rotated.kid)
      yield* TestClock.adjust("599 seconds")
      assert.deepStrictEqual(yield* open("session", old), claims)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* rejectionOf(open("session", old)), "unknownKey")
      assert.deepStrictEqual(yield* open("session", fresh), claims)
    })))

  it.effect("refuses a token expired by more than the 15 s tolerance, accepts one within it", () =>
    run(Effect.gen(function*() {
      const now = yield* nowSeconds
      const within = yield* seal("session", { ...claimsFor(now), exp: now - 14 })
      const beyond = yield* seal("session", { ...claimsFor(now), exp: now - 16 })
      assert.strictEqual((yield* open("session", within))["exp"], now - 14)
      assert.strictEqual(yield* rejectionOf(open("session", beyond)), "expired")
    })))

  it.effect("expiry follows the Clock", () =>
    run(Effect.gen(function*() {
      const token = yield* seal("session", claimsFor(yield* nowSeconds, 60))
      yield* TestClock.adjust("74 seconds")
      assert.isTrue(typeof (yield* open("session", token))["exp"] === "number")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* rejectionOf(open("session", token)), "expired")
    })))

  it.effect("refuses authentic tokens whose claims are unusable with reason claims", () =>
    run(Effect.gen(function*() {
      const key = yield* currentKey("session")
      const now = yield* nowSeconds
      const { exp: _exp, ...noExp } = claimsFor(now)
      const bad = [
        noExp,
        { ...noExp, exp: String(now + 3600) },
        { ...claimsFor(now), nbf: now + 3600 },
        [claimsFor(now)],
        new TextEncoder().encode("not json")
      ]
      for (const payload of bad) {
        assert.strictEqual(yield* rejectionOf(open("session", yield* sealRaw(key, payload))), "claims")
      }
      // The same route, with good claims, is accepted: the failures above are the claims'.
      assert.deepStrictEqual(yield* open("session", yield* sealRaw(key, claimsFor(now))), claimsFor(now))
    })))

  it.effect("seal treats claims without a numeric exp as a caller bug (defect)", () =>
    run(Effect.gen(function*() {
      const { exp: _exp, ...noExp } = claimsFor(yield* nowSeconds)
      assert.isTrue(yield* isDefect(seal("session", noExp)))
    })))

  it.effect("seal refuses to make a token that open would refuse for its size (TokenTooLarge)", () =>
    run(Effect.gen(function*() {
      const claims = { ...claimsFor(yield* nowSeconds), blob: "x".repeat(16 * 1024) }
      const error = yield* Effect.flip(seal("session", claims))
      assert.strictEqual(error._tag, "TokenTooLarge")
      assert.isAbove(error._tag === "TokenTooLarge" ? error.length : 0, 16 * 1024)
    })))
})

describe("JoseTokenCodec, compressed JWE", () => {
  it.effect("refuses a zip: DEF token even when authentic (we never compress)", () =>
    withCodec()(Effect.gen(function*() {
      const key = yield* currentKey("session")
      // jose deflates the plaintext itself when the protected header says zip: DEF.
      const token = yield* sealRaw(key, claimsFor(yield* nowSeconds), { zip: "DEF" })
      assert.strictEqual(yield* rejectionOf(open("session", token)), "algorithm")
    })))
})

describe("JoseTokenCodec, many secrets", () => {
  it.effect("opens tokens of a previous secret's key (secrets: [new, previous])", () =>
    withCodec({ secrets: [Redacted.make("yUuPmhKNQ0M0iIfYrss/cZmJIE3l7gR4afrrsYMB8K5L"), foreignSecret] })(Effect.gen(function*() {
      const before = yield* buildCodec({ secrets: [foreignSecret] })
      const claims = claimsFor(yield* nowSeconds)
      const token = yield* before.seal("session", claims)
      assert.deepStrictEqual(yield* open("session", token), claims)
      const after = yield* seal("session", claims)
      assert.notStrictEqual(headerOf(after)["kid"], headerOf(token)["kid"], "new tokens use the new secret's key")
    })))

  it.effect("a kid is looked up, not trusted: a random kid is unknownKey", () =>
    withCodec()(Effect.gen(function*() {
      const header = b64json({ alg: "dir", enc: "A256GCM", kid: base64url.encode("nope") })
      const token = `${header}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`
      assert.strictEqual(yield* rejectionOf(open("session", token)), "unknownKey")
    })))
})

/** `token` with its protected header's kid replaced, re-sealed with the key's real material (so it is authentic). */
const underKid = (key: Key, claims: object, kid: string) => sealRaw(key, claims, { kid })
const strangerKid = base64url.encode(globalThis.crypto.getRandomValues(new Uint8Array(12)))

describe("JoseTokenCodec, a kid it does not know (another node's, or from before a restart)", () => {
  it.effect("opens a token under one of the purpose's own keys whatever kid it names, synchronously on the memory store", () =>
    withCodec()(Effect.gen(function*() {
      const claims = claimsFor(yield* nowSeconds)
      const token = yield* underKid(yield* currentKey("session"), claims, strangerKid)
      assert.deepStrictEqual(yield* open("session", token), claims)
      // The GET /session fast path needs this: no promise on the way for the default session key.
      const context = yield* Effect.context<TokenCodec | KeyStore>()
      const exit = Effect.runSyncExit(open("session", token).pipe(Effect.provideContext(context)))
      assert.isTrue(Exit.isSuccess(exit), "opened synchronously")
    })))

  it.effect("a token of a codec built again from the same secret (a restart) opens, though its kid differs", () =>
    withCodec()(Effect.gen(function*() {
      const before = yield* buildCodec()
      const claims = claimsFor(yield* nowSeconds)
      const token = yield* before.seal("session", claims)
      assert.notStrictEqual(headerOf(token)["kid"], (yield* currentKey("session")).kid)
      assert.deepStrictEqual(yield* open("session", token), claims)
    })))

  it.effect("never opens with a retired key", () =>
    withCodec()(Effect.gen(function*() {
      const claims = claimsFor(yield* nowSeconds, 24 * 3600)
      const old = yield* currentKey("session")
      yield* KeyStore.use((store) => store.rotate("session", { retireAfterSeconds: 60 }))
      const token = yield* underKid(old, claims, strangerKid)
      assert.deepStrictEqual(yield* open("session", token), claims, "while it still verifies")
      yield* TestClock.adjust("61 seconds")
      assert.strictEqual(yield* rejectionOf(open("session", token)), "unknownKey")
      assert.strictEqual(yield* rejectionOf(open("session", yield* underKid(old, claims, old.kid))), "unknownKey")
    })))

  it.effect.each([
    { name: "dir + A256GCM", session: undefined, other: "checks" },
    { name: "HS256", session: { alg: "HS256" }, other: "csrf" },
    { name: "HS256", session: { alg: "HS256" }, other: "verification" }
  ] as const)("never opens a $name session token with the $other key, under any kid", ({ other, session }) =>
    withCodec(session === undefined ? {} : { session })(Effect.gen(function*() {
      const claims = claimsFor(yield* nowSeconds)
      const key = yield* KeyStore.use((store) => store.current(other))
      for (const kid of [strangerKid, key.kid]) {
        assert.strictEqual(yield* rejectionOf(open("session", yield* underKid(key, claims, kid))), "unknownKey")
      }
    })))

  it.effect("a foreign deployment's token under an unknown kid stays unknownKey, and the cache stays within our keys", () =>
    withCodec()(Effect.gen(function*() {
      const foreign = yield* buildCodec({ secrets: [foreignSecret] })
      const claims = claimsFor(yield* nowSeconds)
      for (let i = 0; i < 20; i++) {
        assert.strictEqual(yield* rejectionOf(open("session", yield* foreign.seal("session", claims))), "unknownKey")
      }
      assert.deepStrictEqual(yield* open("session", yield* seal("session", claims)), claims)
    })))
})

describe("JoseTokenCodec's key import cache", () => {
  it.effect("imports a key once, and serves it only for the very material the store handed out under that kid", () =>
    withCodec()(Effect.gen(function*() {
      const cache = makeKeyCache()
      const key = yield* currentKey("session")
      const imported = yield* cache.get(key)
      assert.strictEqual(yield* cache.get(key), imported)
      if (key._tag !== "SecretKey") return assert.fail("expected a secret session key")
      // A store that reused a kid for other material must not get the old import back.
      const reused: Key = { ...key, secret: Redacted.make(globalThis.crypto.getRandomValues(new Uint8Array(32))) }
      assert.notStrictEqual(yield* cache.get(reused), imported)
    })))

  it.effect("keeps only keys that still verify, and never more than 64", () =>
    withCodec()(Effect.gen(function*() {
      const cache = makeKeyCache()
      const store = yield* KeyStore
      for (let i = 0; i < 100; i++) yield* cache.get(yield* store.rotate("session", { retireAfterSeconds: 0 }))
      assert.strictEqual(cache.size(), 64)
      const verifying = yield* store.verificationKeys("session")
      cache.retain(verifying)
      assert.strictEqual(cache.size(), verifying.length)
    })))
})
