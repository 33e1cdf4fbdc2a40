import { assert, layer } from "@effect/vitest"
import { Clock, Effect, type Layer, Option, Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { TestClock } from "effect/testing"
import { keyPairOf, secretKeyOf } from "../../src/adapters/keyring/keyMaterial.ts"
import { generatePair } from "../../src/adapters/keyring/keyPairs.ts"
import { kekFromSecret, sealStoredKey, unsealStoredKey } from "../../src/adapters/keyring/storedKeySealing.ts"
import { type Key, type KeyPair, KeyPurpose, KeyStore } from "../../src/ports/KeyStore.ts"

const purposes = KeyPurpose.literals
const privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

const allVerificationKeys = KeyStore.use((store) =>
  Effect.map(Effect.forEach(purposes, store.verificationKeys), (keys) => keys.flat())
)

const isPair = (key: Key): key is KeyPair => key._tag === "KeyPair"
const kids = (keys: ReadonlyArray<{ readonly kid: string }>) => keys.map((key) => key.kid).sort()
const freshKid = () => Base64Url.encode(globalThis.crypto.getRandomValues(new Uint8Array(16)))
const randomKid = freshKid()

const assertOneCurrentFirst = (purpose: KeyPurpose) =>
  Effect.gen(function*() {
    const store = yield* KeyStore
    const current = yield* store.current(purpose)
    const keys = yield* store.verificationKeys(purpose)
    assert.strictEqual(current.purpose, purpose)
    assert.isNull(current.retiresAt)
    assert.strictEqual(keys[0]?.kid, current.kid, "the current key comes first")
    assert.deepStrictEqual(kids(keys.filter((key) => key.retiresAt === null)), [current.kid])
    assert.isTrue(keys.every((key) => key.purpose === purpose))
    assert.strictEqual(new Set(kids(keys)).size, keys.length, "kids are unique")
    return current
  })

/** What the material of a key is, to compare one store's key with another's. */
const materialOf = (key: Key) =>
  key._tag === "SecretKey"
    ? { kid: key.kid, alg: key.alg, enc: key.enc, secret: Base64Url.encode(Redacted.value(key.secret)) }
    : { kid: key.kid, alg: key.alg, privateJwk: Redacted.value(key.privateJwk), publicJwk: key.publicJwk }

/**
 * For a store that keeps keys at rest: the cases of the one key-encryption scheme every such store seals with
 * (src/adapters/keyring/storedKeySealing.ts). `R` is what the hooks need from the suite's layer (the database).
 */
export interface SealedStorage<R> {
  /** The store's `secrets`, as configured. */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** The sealed material the store keeps for `key`, or None where it keeps none (a key derived from a secret). */
  readonly sealedOf: (key: Key) => Effect.Effect<Option.Option<Uint8Array>, unknown, R>
  /** Records `key` in the store's storage with `sealed` as its material, as any store that seals keys writes it. */
  readonly insert: (key: Key, sealed: Uint8Array) => Effect.Effect<void, unknown, R>
}

/**
 * The KeyStore contract (src/ports/KeyStore.ts), for any adapter and any session algorithm. Tests share one
 * store and one TestClock and make no assumption about what earlier tests rotated. Pass `storage` for a store
 * that keeps keys sealed at rest.
 */
export const suite = <R = never>(name: string, keyStore: Layer.Layer<KeyStore | R, unknown>, storage?: SealedStorage<R>) =>
  layer(keyStore)(`KeyStore conformance: ${name}`, (it) => {
    // Every purpose always has exactly one current key, and it is among that purpose's verification keys.
    it.effect.each(purposes)("%s has exactly one current key, first among its verification keys", (purpose) =>
      Effect.gen(function*() {
        const current = yield* assertOneCurrentFirst(purpose)
        const again = yield* KeyStore.use((store) => store.current(purpose))
        assert.strictEqual(again.kid, current.kid, "current is stable")
      }))

    it.effect.each(purposes)("%s still has exactly one current key after rotations", (purpose) =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        yield* store.rotate(purpose, { retireAfterSeconds: 60 })
        const last = yield* store.rotate(purpose, { retireAfterSeconds: 60 })
        assert.strictEqual((yield* assertOneCurrentFirst(purpose)).kid, last.kid)
      }))

    it.effect.each(purposes)("%s still has exactly one current key after concurrent rotations", (purpose) =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        const rotated = yield* Effect.all([store.rotate(purpose), store.rotate(purpose)], { concurrency: "unbounded" })
        assert.include(kids(rotated), (yield* assertOneCurrentFirst(purpose)).kid)
        for (const key of rotated) {
          assert.isTrue(Option.isSome(yield* store.find(purpose, key.kid)), "no rotation is lost")
        }
      }))

    // `find` returns a key of that purpose by `kid` while it verifies; a retired key or a key of another
    // purpose is `None`.
    it.effect.each(purposes)("find returns each verifying %s key by kid", (purpose) =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        for (const key of yield* store.verificationKeys(purpose)) {
          const found = yield* store.find(purpose, key.kid)
          assert.isTrue(Option.isSome(found), `${purpose} key ${key.kid} is found`)
          assert.strictEqual(Option.getOrThrow(found).kid, key.kid)
          assert.strictEqual(Option.getOrThrow(found).purpose, purpose)
        }
      }))

    it.effect.each(purposes)("find returns None for another purpose's kid under %s", (purpose) =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        for (const other of purposes.filter((p) => p !== purpose)) {
          for (const key of yield* store.verificationKeys(other)) {
            assert.isTrue(Option.isNone(yield* store.find(purpose, key.kid)), `${other} key found as ${purpose}`)
          }
        }
      }))

    it.effect.each(purposes)("find returns None for an unknown %s kid", (purpose) =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        assert.isTrue(Option.isNone(yield* store.find(purpose, randomKid)))
        assert.isTrue(Option.isNone(yield* store.find(purpose, "")))
      }))

    it.effect.each(purposes)("find returns None for a retired %s key", (purpose) =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        const old = yield* store.current(purpose)
        yield* store.rotate(purpose, { retireAfterSeconds: 60 })
        yield* TestClock.adjust("61 seconds")
        assert.isTrue(Option.isNone(yield* store.find(purpose, old.kid)))
        assert.notInclude(kids(yield* store.verificationKeys(purpose)), old.kid)
      }))

    // `rotate` makes a new current key; the previous one keeps verifying until `retireAfter` has passed.
    it.effect.each(purposes)("rotate makes a new current %s key of the same kind", (purpose) =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        const old = yield* store.current(purpose)
        const rotated = yield* store.rotate(purpose, { retireAfterSeconds: 60 })
        assert.notStrictEqual(rotated.kid, old.kid)
        assert.strictEqual(rotated.purpose, purpose)
        assert.isNull(rotated.retiresAt)
        assert.deepStrictEqual([rotated._tag, rotated.alg, rotated.enc], [old._tag, old.alg, old.enc])
        assert.strictEqual((yield* store.current(purpose)).kid, rotated.kid)
      }))

    it.effect.each(purposes)("the previous %s key keeps verifying until retireAfter has passed", (purpose) =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        const old = yield* store.current(purpose)
        const now = yield* Clock.currentTimeMillis
        yield* store.rotate(purpose, { retireAfterSeconds: 60 })
        const kept = yield* store.find(purpose, old.kid)
        assert.isTrue(Option.isSome(kept))
        assert.strictEqual(Option.getOrThrow(kept).retiresAt?.getTime(), now + 60_000)
        assert.include(kids(yield* store.verificationKeys(purpose)), old.kid)
        yield* TestClock.adjust("59 seconds")
        assert.isTrue(Option.isSome(yield* store.find(purpose, old.kid)), "still verifies before retireAfter")
        yield* TestClock.adjust("1 second")
        assert.isTrue(Option.isNone(yield* store.find(purpose, old.kid)), "retired once retireAfter has passed")
      }))

    it.effect.each(purposes)("rotating %s leaves the other purposes' current keys alone", (purpose) =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        const others = purposes.filter((p) => p !== purpose)
        const before = yield* Effect.forEach(others, store.current)
        yield* store.rotate(purpose)
        assert.deepStrictEqual(kids(yield* Effect.forEach(others, store.current)), kids(before))
      }))

    // `jwks` publishes the public half of every verifying key pair and nothing of any secret key.
    it.effect("jwks publishes the public JWK of every verifying key pair (none when all keys are secret)", () =>
      Effect.gen(function*() {
        const pairs = (yield* allVerificationKeys).filter(isPair)
        const { keys } = yield* KeyStore.use((store) => store.jwks)
        assert.deepStrictEqual(kids(keys), kids(pairs))
        for (const pair of pairs) {
          assert.deepStrictEqual(keys.find((jwk) => jwk.kid === pair.kid), pair.publicJwk)
          assert.deepStrictEqual([pair.publicJwk.kid, pair.publicJwk.alg], [pair.kid, pair.alg])
        }
      }))

    it.effect("jwks holds only public members", () =>
      Effect.gen(function*() {
        const { keys } = yield* KeyStore.use((store) => store.jwks)
        for (const jwk of keys) {
          assert.deepStrictEqual(privateMembers.filter((member) => member in jwk), [], `private members in ${jwk.kid}`)
          assert.oneOf(jwk.use, ["sig", "enc"])
          assert.notStrictEqual(jwk.kty, "oct")
        }
      }))

    it.effect("jwks holds nothing of any secret key", () =>
      Effect.gen(function*() {
        const secrets = (yield* allVerificationKeys).flatMap((key) => (key._tag === "SecretKey" ? [key] : []))
        const published = JSON.stringify(yield* KeyStore.use((store) => store.jwks))
        for (const key of secrets) {
          assert.notInclude(published, key.kid)
          assert.notInclude(published, Base64Url.encode(Redacted.value(key.secret)))
        }
      }))

    it.effect("a rotated-out session key pair leaves jwks when it retires", () =>
      Effect.gen(function*() {
        const store = yield* KeyStore
        const old = yield* store.current("session")
        yield* store.rotate("session", { retireAfterSeconds: 60 })
        const before = kids((yield* store.jwks).keys)
        assert.strictEqual(before.includes(old.kid), isPair(old))
        yield* TestClock.adjust("61 seconds")
        const after = (yield* store.jwks).keys
        assert.notInclude(kids(after), old.kid)
        assert.deepStrictEqual(kids(after), kids((yield* allVerificationKeys).filter(isPair)))
      }))

    if (storage !== undefined) {
      const keks = storage.secrets.map(kekFromSecret)

      // One key-encryption scheme: what a store keeps sealed, any store (and the shared unsealer) with the same
      // secrets opens, and it opens what any of them sealed.
      it.effect("every key it keeps sealed opens under the shared unsealer with its secrets, as the store hands it out", () =>
        Effect.gen(function*() {
          const store = yield* KeyStore
          yield* store.rotate("verification", { retireAfterSeconds: 60 })
          let sealedKeys = 0
          for (const key of yield* allVerificationKeys) {
            const sealed = yield* storage.sealedOf(key)
            if (Option.isNone(sealed)) continue
            sealedKeys++
            const opened = unsealStoredKey(keks, key, sealed.value)
            assert.isDefined(opened, `${key.purpose} key ${key.kid} opens`)
            assert.deepStrictEqual(materialOf(opened!.key), materialOf(key))
            assert.strictEqual(opened!.by, 0, "sealed under the first secret")
          }
          assert.isAbove(sealedKeys, 0, "a rotated key is kept sealed")
        }))

      it.effect("a key sealed in the shared scheme under its last secret opens, a key pair too", () =>
        Effect.gen(function*() {
          const store = yield* KeyStore
          const now = yield* Clock.currentTimeMillis
          const [createdAt, retiresAt] = [new Date(now), new Date(now + 60_000)]
          const bytes = globalThis.crypto.getRandomValues(new Uint8Array(32))
          const hs256 = { _tag: "SecretKey", alg: "HS256", enc: null } as const
          const es256 = { _tag: "KeyPair", alg: "ES256", enc: null } as const
          const keys: ReadonlyArray<Key> = [
            secretKeyOf("csrf", hs256, { kid: freshKid(), bytes }, createdAt, retiresAt),
            keyPairOf("session", es256, yield* Effect.orDie(generatePair(es256)), createdAt, retiresAt)
          ]
          for (const key of keys) yield* storage.insert(key, sealStoredKey(keks[keks.length - 1]!, key))
          // A store that caches reads again for a kid it does not know, at most once a second.
          yield* TestClock.adjust("2 seconds")
          for (const key of keys) {
            const found = yield* store.find(key.purpose, key.kid)
            assert.isTrue(Option.isSome(found), `${key.purpose} key ${key.kid} is found`)
            assert.deepStrictEqual(materialOf(Option.getOrThrow(found)), materialOf(key))
          }
        }))
    }

    it.effect("key material is Redacted", () =>
      Effect.gen(function*() {
        for (const key of yield* allVerificationKeys) {
          assert.isTrue(Redacted.isRedacted(key._tag === "SecretKey" ? key.secret : key.privateJwk), key.kid)
        }
      }))
  })
