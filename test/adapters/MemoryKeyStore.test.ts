import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { TestClock } from "effect/testing"
import { hkdfSync } from "node:crypto"
import * as MemoryKeyStore from "../../src/adapters/memory/MemoryKeyStore.ts"
import { type Key, type KeyPair, KeyPurpose, KeyStore, type SecretKey } from "../../src/ports/KeyStore.ts"
import { suite } from "../conformance/KeyStore.ts"

const secret = Redacted.make("HrQpgrQKGKE7cALYVlg3bdnamWASQVIRd8wL+eD7XRVW")
const previousSecret = Redacted.make("P5bzzeBg73QvKH9A9ASE/xRKk53NNpfef9S2IP35/7CM")

suite("memory, default session keys", MemoryKeyStore.layer({ secrets: [secret] }))
suite("memory, default session keys and a previous secret", MemoryKeyStore.layer({ secrets: [secret, previousSecret] }))
suite("memory, ES256 session keys", MemoryKeyStore.layer({ secrets: [secret], session: { alg: "ES256" } }))

const build = (options: MemoryKeyStore.Options) =>
  Effect.map(Layer.build(MemoryKeyStore.layer(options)), (context) => Context.get(context, KeyStore))

const secretOf = (key: Key): SecretKey => key._tag === "SecretKey" ? key : assert.fail(`${key.kid} is a KeyPair`)
const pairOf = (key: Key): KeyPair => key._tag === "KeyPair" ? key : assert.fail(`${key.kid} is a SecretKey`)
const bytes = (key: Key) => Redacted.value(secretOf(key).secret)
const day = 24 * 60 * 60 * 1000

describe("MemoryKeyStore", () => {
  describe("derived keys", () => {
    it.effect("the same secret derives the same key bytes in separately built stores, under random kids", () =>
      Effect.gen(function*() {
        const [a, b] = [yield* build({ secrets: [secret] }), yield* build({ secrets: [secret] })]
        for (const purpose of KeyPurpose.literals) {
          const [keyA, keyB] = [yield* a.current(purpose), yield* b.current(purpose)]
          assert.notStrictEqual(keyA.kid, keyB.kid)
          assert.deepStrictEqual(bytes(keyA), bytes(keyB))
        }
      }))

    it.effect("different secrets derive different kids and key bytes", () =>
      Effect.gen(function*() {
        const [a, b] = [yield* build({ secrets: [secret] }), yield* build({ secrets: [previousSecret] })]
        for (const purpose of KeyPurpose.literals) {
          const [keyA, keyB] = [yield* a.current(purpose), yield* b.current(purpose)]
          assert.notStrictEqual(keyA.kid, keyB.kid)
          assert.notDeepEqual(bytes(keyA), bytes(keyB))
        }
      }))

    it.effect("purposes get different keys from one secret", () =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret] })
        const keys = yield* Effect.forEach(KeyPurpose.literals, store.current)
        assert.strictEqual(new Set(keys.map((key) => key.kid)).size, keys.length)
        assert.strictEqual(new Set(keys.map((key) => Base64Url.encode(bytes(key)))).size, keys.length)
      }))

    // Pinned: changing salt or info would change every key and sign everyone out on the next deploy.
    it.effect("keys are HKDF-SHA256(secret, salt \"authfx\", info naming purpose, alg and enc); kids are not", () =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret] })
        const expected = (info: string, length: number) =>
          new Uint8Array(hkdfSync("sha256", Redacted.value(secret), "authfx", info, length))
        assert.deepStrictEqual(bytes(yield* store.current("csrf")), expected("key csrf HS256 none", 32))
        assert.deepStrictEqual(bytes(yield* store.current("checks")), expected("key checks dir A256GCM", 32))
        // What the kid was before: an HKDF of the secret, which let a token header check a guess at it.
        assert.notStrictEqual((yield* store.current("csrf")).kid, Base64Url.encode(expected("kid csrf HS256 none", 12)))
      }))

    it.effect("the purposes use HS256, HS256 and dir + A256GCM; the session key defaults to dir + A256GCM", () =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret] })
        const shape = (key: Key) => [key._tag, key.alg, key.enc, bytes(key).length]
        assert.deepStrictEqual(shape(yield* store.current("session")), ["SecretKey", "dir", "A256GCM", 32])
        assert.deepStrictEqual(shape(yield* store.current("csrf")), ["SecretKey", "HS256", null, 32])
        assert.deepStrictEqual(shape(yield* store.current("verification")), ["SecretKey", "HS256", null, 32])
        assert.deepStrictEqual(shape(yield* store.current("checks")), ["SecretKey", "dir", "A256GCM", 32])
      }))

    it.effect.each([
      { name: "HS256", session: { alg: "HS256" }, enc: null, length: 32 },
      { name: "HS384", session: { alg: "HS384" }, enc: null, length: 48 },
      { name: "HS512", session: { alg: "HS512" }, enc: null, length: 64 },
      { name: "dir + A256GCM", session: { alg: "dir", enc: "A256GCM" }, enc: "A256GCM", length: 32 },
      { name: "dir + A256CBC-HS512", session: { alg: "dir", enc: "A256CBC-HS512" }, enc: "A256CBC-HS512", length: 64 }
    ] as const)("a $name session key has $length bytes", ({ enc, length, session }) =>
      Effect.gen(function*() {
        const key = secretOf(yield* (yield* build({ secrets: [secret], session })).current("session"))
        assert.deepStrictEqual([key.alg, key.enc, Redacted.value(key.secret).length], [session.alg, enc, length])
      }))

    it.effect("a kid is short, random, and does not reveal its key or the secret", () =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret] })
        const kids = new Set<string>()
        for (const purpose of KeyPurpose.literals) {
          const key = yield* store.current(purpose)
          assert.strictEqual(key.kid.length, 16)
          assert.notInclude(Base64Url.encode(bytes(key)), key.kid)
          assert.notInclude(key.kid, Redacted.value(secret).slice(0, 8))
          kids.add(key.kid)
        }
        assert.strictEqual(kids.size, KeyPurpose.literals.length)
      }))
  })

  describe("previous secrets", () => {
    it.effect("a previous secret's key verifies, after the current one, but is not current", () =>
      Effect.gen(function*() {
        const before = yield* build({ secrets: [previousSecret] })
        const after = yield* build({ secrets: [secret, previousSecret] })
        const fresh = yield* build({ secrets: [secret] })
        for (const purpose of KeyPurpose.literals) {
          const keys = yield* after.verificationKeys(purpose)
          assert.deepStrictEqual(keys.map(bytes), [bytes(yield* fresh.current(purpose)), bytes(yield* before.current(purpose))])
          const [current, old] = keys
          assert.strictEqual(old?.retiresAt?.getTime(), 31 * day)
          assert.strictEqual(Option.getOrThrow(yield* after.find(purpose, old?.kid ?? "")).kid, old?.kid)
          assert.strictEqual((yield* after.current(purpose)).kid, current?.kid)
        }
      }))

    it.effect("a previous secret's keys retire after retireAfterSeconds", () =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret, previousSecret], retireAfterSeconds: 3600 })
        const old = (yield* store.verificationKeys("csrf"))[1]?.kid ?? assert.fail("no previous key")
        yield* TestClock.adjust("3599 seconds")
        assert.isTrue(Option.isSome(yield* store.find("csrf", old)))
        yield* TestClock.adjust("1 second")
        assert.isTrue(Option.isNone(yield* store.find("csrf", old)))
        assert.strictEqual((yield* store.verificationKeys("csrf")).length, 1)
      }))

    it.effect("a secret listed twice gives one key", () =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret, previousSecret, secret, previousSecret] })
        assert.strictEqual((yield* store.verificationKeys("csrf")).length, 2)
        const alone = yield* build({ secrets: [secret] })
        assert.deepStrictEqual(bytes(yield* store.current("csrf")), bytes(yield* alone.current("csrf")))
      }))

    it.effect("with key-pair session keys, previous secrets still verify the secret-key purposes", () =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret, previousSecret], session: { alg: "EdDSA" } })
        assert.strictEqual((yield* store.verificationKeys("session")).length, 1)
        assert.strictEqual((yield* store.verificationKeys("verification")).length, 2)
      }))
  })

  describe("rotation", () => {
    it.effect("rotate makes a random key, not the derived one", () =>
      Effect.gen(function*() {
        const [a, b] = [yield* build({ secrets: [secret] }), yield* build({ secrets: [secret] })]
        const derived = yield* a.current("verification")
        const [rotatedA, rotatedB] = [yield* a.rotate("verification"), yield* b.rotate("verification")]
        assert.notStrictEqual(rotatedA.kid, rotatedB.kid)
        assert.notDeepEqual(bytes(rotatedA), bytes(rotatedB))
        assert.notDeepEqual(bytes(rotatedA), bytes(derived))
        assert.strictEqual(bytes(rotatedA).length, 32)
      }))

    it.effect("by default the previous key verifies for 31 days, past a 30-day session", () =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret] })
        const old = yield* store.current("session")
        yield* store.rotate("session")
        yield* TestClock.adjust("30 days")
        assert.isTrue(Option.isSome(yield* store.find("session", old.kid)))
        yield* TestClock.adjust("1 day")
        assert.isTrue(Option.isNone(yield* store.find("session", old.kid)))
      }))

    it.effect("a rotated key pair is a new pair", () =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret], session: { alg: "ES256" } })
        const old = pairOf(yield* store.current("session"))
        const rotated = pairOf(yield* store.rotate("session", { retireAfterSeconds: 60 }))
        assert.notStrictEqual(rotated.publicJwk["x"], old.publicJwk["x"])
        assert.deepStrictEqual((yield* store.jwks).keys.map((jwk) => jwk.kid), [rotated.kid, old.kid])
      }))
  })

  describe("key pairs", () => {
    const data = new TextEncoder().encode("header.payload")
    const subtle = globalThis.crypto.subtle
    const importJwk = (
      jwk: Readonly<Record<string, unknown>>,
      params: { readonly name: string },
      usage: "sign" | "verify" | "encrypt" | "decrypt"
    ) => Effect.promise(() => subtle.importKey("jwk", { ...jwk }, params, false, [usage]))

    const curves = { RSA: undefined, EC: "P-256", OKP: "Ed25519" } as const
    const sha256 = "SHA-256"

    it.effect.each([
      { alg: "RS256", kty: "RSA", use: "sig", params: { name: "RSASSA-PKCS1-v1_5", hash: sha256 } },
      { alg: "PS256", kty: "RSA", use: "sig", params: { name: "RSA-PSS", hash: sha256, saltLength: 32 } },
      { alg: "ES256", kty: "EC", use: "sig", params: { name: "ECDSA", namedCurve: "P-256", hash: sha256 } },
      { alg: "EdDSA", kty: "OKP", use: "sig", params: { name: "Ed25519" } },
      { alg: "RSA-OAEP-256", kty: "RSA", use: "enc", params: { name: "RSA-OAEP", hash: sha256 } },
      { alg: "ECDH-ES", kty: "EC", use: "enc", params: { name: "ECDH", namedCurve: "P-256" } }
    ] as const)("$alg session keys export a public $kty JWK", ({ alg, kty, params, use }) =>
      Effect.gen(function*() {
        const store = yield* build({ secrets: [secret], session: { alg } })
        const key = pairOf(yield* store.current("session"))
        const publicJwk = key.publicJwk
        const expectedMembers = kty === "RSA" ? ["e", "n"] : kty === "EC" ? ["crv", "x", "y"] : ["crv", "x"]
        assert.deepStrictEqual(Object.keys(publicJwk).sort(), [...expectedMembers, "alg", "kid", "kty", "use"].sort())
        assert.deepStrictEqual(
          [publicJwk.kty, publicJwk["crv"], publicJwk.alg, publicJwk.use, publicJwk.kid],
          [kty, curves[kty], alg, use, key.kid]
        )
        assert.deepStrictEqual([key.alg, key.enc], [alg, use === "enc" ? "A256GCM" : null])
        const privateJwk = Redacted.value(key.privateJwk)
        assert.deepStrictEqual([privateJwk["kid"], privateJwk["alg"], typeof privateJwk["d"]], [key.kid, alg, "string"])
        assert.deepStrictEqual((yield* store.jwks).keys, [publicJwk])
        assert.strictEqual((yield* store.current("csrf"))._tag, "SecretKey")

        // The JWKs must round-trip through WebCrypto, which is what token code will import them with.
        if (use === "sig") {
          const signer = yield* importJwk(privateJwk, params, "sign")
          const signature = yield* Effect.promise(() => subtle.sign(params, signer, data))
          const verifier = yield* importJwk(publicJwk, params, "verify")
          assert.isTrue(yield* Effect.promise(() => subtle.verify(params, verifier, signature, data)))
        } else if (params.name === "RSA-OAEP") {
          const encrypted = yield* Effect.flatMap(importJwk(publicJwk, params, "encrypt"), (k) =>
            Effect.promise(() => subtle.encrypt(params, k, data)))
          const decrypted = yield* Effect.flatMap(importJwk(privateJwk, params, "decrypt"), (k) =>
            Effect.promise(() => subtle.decrypt(params, k, encrypted)))
          assert.deepStrictEqual(new Uint8Array(decrypted), data)
        }
      }))
  })

  describe("options", () => {
    it.effect.each([
      { case: "no secrets", options: { secrets: [] } },
      { case: "an empty secret", options: { secrets: [secret, Redacted.make("")] } },
      { case: "a negative retireAfterSeconds", options: { secrets: [secret], retireAfterSeconds: -1 } },
      { case: "a NaN retireAfterSeconds", options: { secrets: [secret], retireAfterSeconds: Number.NaN } },
      {
        case: "an unknown session alg",
        options: { secrets: [secret], session: { alg: "none" } as unknown as MemoryKeyStore.SessionKeyOptions }
      },
      {
        case: "enc with a signing alg",
        options: { secrets: [secret], session: { alg: "HS256", enc: "A256GCM" } as MemoryKeyStore.SessionKeyOptions }
      }
    ] satisfies ReadonlyArray<{ case: string; options: MemoryKeyStore.Options }>)(
      "$case fails the layer with InvalidKeyStoreOptions",
      ({ options }) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(build(options))
          assert.instanceOf(error, MemoryKeyStore.InvalidKeyStoreOptions)
          assert.strictEqual(error._tag, "InvalidKeyStoreOptions")
          assert.notInclude(error.message, Redacted.value(secret))
        })
    )

    it.effect.each([
      { case: "a short secret", secrets: ["hunter2"] },
      { case: "a repeated short unit", secrets: ["hunter2hunter2hunter2hunter2hunter2"] },
      { case: "a weak previous secret", secrets: [Redacted.value(secret), "abcdefghijklmnopqrstuvwxyz012345"] }
    ])("$case fails the layer with WeakSecret, which never quotes it", ({ secrets }) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(build({ secrets: secrets.map((s) => Redacted.make(s)) }))
        assert.strictEqual(error._tag, "WeakSecret")
        assert.include(error.message, "openssl rand -base64 33")
        for (const s of secrets) assert.notInclude(error.message, s)
      }))
  })
})
