import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { keyPairOf, secretKeyOf } from "../../../src/adapters/keyring/keyMaterial.ts"
import { generatePair } from "../../../src/adapters/keyring/keyPairs.ts"
import {
  kekFromSecret,
  openDerivedMark,
  sealDerivedMark,
  sealStoredKey,
  type StoredKeyRecord,
  unsealStoredKey
} from "../../../src/adapters/keyring/storedKeySealing.ts"
import type { Key } from "../../../src/ports/KeyStore.ts"
import { sealedAsPostgresDid } from "../../support/keySealingBefore.ts"

const first = Redacted.make("q0VHmWIR4C2sBbtHBlsBhw4IKQg0o6dZcyCpt8A9KDeP")
const second = Redacted.make("GEoOwCdrNnYNXzqUq2KL8NLgu7N0QwQhSRL7jFjr/Cgo")
const keks = [first, second].map(kekFromSecret)

const randomBytes = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length))
const randomKid = () => Base64Url.encode(randomBytes(12))
const hs384 = { _tag: "SecretKey", alg: "HS384", enc: null } as const
const secretKey = (bytes = randomBytes(48)) => secretKeyOf("csrf", hs384, { kid: randomKid(), bytes }, new Date(0), null)
const pairKey = Effect.map(
  Effect.orDie(generatePair({ _tag: "KeyPair", alg: "EdDSA", enc: null })),
  (material) => keyPairOf("session", { _tag: "KeyPair", alg: "EdDSA", enc: null }, material, new Date(0), null)
)

const recordOf = (key: Key): StoredKeyRecord => ({
  kid: key.kid,
  purpose: key.purpose,
  alg: key.alg,
  enc: key.enc,
  createdAt: key.createdAt,
  retiresAt: key.retiresAt
})
const materialOf = (key: Key) =>
  key._tag === "SecretKey"
    ? Base64Url.encode(Redacted.value(key.secret))
    : { privateJwk: Redacted.value(key.privateJwk), publicJwk: key.publicJwk }

describe("storedKeySealing: one key-encryption scheme", () => {
  it.effect("a key opens with the configured KEKs, which say which secret sealed it", () =>
    Effect.gen(function*() {
      for (const key of [secretKey(), yield* pairKey]) {
        const opened = unsealStoredKey(keks, recordOf(key), sealStoredKey(keks[1]!, key))
        assert.strictEqual(opened?.by, 1)
        assert.deepStrictEqual(materialOf(opened!.key), materialOf(key))
        assert.deepStrictEqual(recordOf(opened!.key), recordOf(key))
        assert.isUndefined(unsealStoredKey([keks[0]!], recordOf(key), sealStoredKey(keks[1]!, key)), "not without its secret")
      }
    }))

  it.effect("what PostgresKeyStore sealed before the stores shared the scheme opens, byte for byte", () =>
    Effect.gen(function*() {
      for (const key of [secretKey(), yield* pairKey]) {
        const opened = unsealStoredKey(keks, recordOf(key), sealedAsPostgresDid(second, key))
        assert.strictEqual(opened?.by, 1)
        assert.deepStrictEqual(materialOf(opened!.key), materialOf(key))
      }
    }))

  it.each([
    ["kid", { kid: randomKid() }],
    ["purpose", { purpose: "verification" }],
    ["algorithm", { alg: "HS512" }],
    ["content encryption", { enc: "A256GCM" }]
  ] as const)("sealed material does not open under another %s", (_label, change) => {
    const key = secretKey()
    assert.isUndefined(unsealStoredKey(keks, { ...recordOf(key), ...change }, sealStoredKey(keks[0]!, key)))
  })

  it("a secret of another length than its kind's does not open as a key", () => {
    for (const length of [0, 32, 47, 64]) {
      const key = secretKey(randomBytes(length))
      assert.isUndefined(unsealStoredKey(keks, recordOf(key), sealStoredKey(keks[0]!, key)), `${length} bytes`)
    }
  })

  it("a derived-key mark names its secret's KEK and never opens as a key; a key is never a mark", () => {
    const key = secretKey()
    const mark = sealDerivedMark(keks[1]!, key)
    assert.strictEqual(openDerivedMark(keks, key, mark), 1)
    assert.isUndefined(openDerivedMark([keks[0]!], key, mark))
    assert.isUndefined(openDerivedMark(keks, { ...key, kid: randomKid() }, mark))
    assert.isUndefined(unsealStoredKey(keks, recordOf(key), mark))
    assert.isUndefined(openDerivedMark(keks, key, sealStoredKey(keks[0]!, key)))
  })

  it("nothing sealed holds the key or the secret in the clear", () => {
    const key = secretKey()
    const sealed = Buffer.from(sealStoredKey(keks[0]!, key))
    assert.strictEqual(sealed.length, 12 + 48 + 16, "IV, ciphertext, tag")
    assert.strictEqual(sealed.indexOf(Buffer.from(Redacted.value(key.secret))), -1)
  })
})
