import { Clock, Effect, Layer, Option, type Redacted, Ref } from "effect"
import type { WeakSecret } from "../../domain/secretStrength.ts"
import { type Key, KeyPurpose, KeyStore } from "../../ports/KeyStore.ts"
import { deriveSecret } from "../keyring/derivedKeys.ts"
import { freshKey, startRotation } from "../keyring/freshKeys.ts"
import { secretKeyOf } from "../keyring/keyMaterial.ts"
import {
  InvalidKeyStoreOptions,
  type KeyStoreOptions as Options,
  validateKeyOptions
} from "../keyring/keyOptions.ts"
import { specOf } from "../keyring/keySpec.ts"
import { jwksOfPurposes, verifiesAt } from "../keyring/verifyingKeys.ts"

export { InvalidKeyStoreOptions, type Options }
export type { SessionKeyOptions } from "../keyring/keyOptions.ts"

type Keyring = Readonly<Record<KeyPurpose, readonly [Key, ...Array<Key>]>>

/**
 * The KeyStore in memory: secret keys are derived from the configured secrets (adapters/keyring/derivedKeys.ts,
 * as SqliteKeyStore derives them; PostgreSQL's keys are random), so every node and every restart has the same
 * key bytes, under kids drawn at random when the store is built (a kid must say nothing about the secret); the
 * token codec opens a token whose kid another node or an earlier process chose by trying the purpose's keys.
 * Key pairs and rotated keys live only as long as the process.
 */
export const make = (options: Options): Effect.Effect<KeyStore["Service"], InvalidKeyStoreOptions | WeakSecret> =>
  Effect.gen(function*() {
    const { current, previous, retireAfterSeconds, session } = yield* validateKeyOptions(options)
    const now = yield* Clock.currentTimeMillis
    const startedAt = new Date(now)
    const previousRetireAt = new Date(now + retireAfterSeconds * 1000)

    const initial = Effect.fnUntraced(function*(purpose: KeyPurpose) {
      const spec = specOf(purpose, session)
      // WebCrypto cannot derive a key pair from a secret, so a restart makes a new one.
      if (spec._tag === "KeyPair") return [yield* freshKey(purpose, spec, startedAt)] as const
      // Same secret, same key bytes: a restart signs nobody out (the kid is new; see derivedKeys.ts).
      const derived = (secret: Redacted.Redacted<string>, retiresAt: Date | null) =>
        secretKeyOf(purpose, spec, deriveSecret(secret, purpose, spec), startedAt, retiresAt)
      return yield* Effect.sync(() =>
        [derived(current, null), ...previous.map((secret) => derived(secret, previousRetireAt))] as const
      )
    })
    // A failure here is the platform lacking an algorithm, not something a caller can handle.
    const keyring: Keyring = yield* Effect.orDie(Effect.all({
      session: initial("session"),
      csrf: initial("csrf"),
      verification: initial("verification"),
      checks: initial("checks"),
      tokens: initial("tokens")
    }))
    const ring = yield* Ref.make(keyring)

    const verificationKeys = (purpose: KeyPurpose) =>
      Effect.gen(function*() {
        const [keyring, now] = [yield* Ref.get(ring), yield* Clock.currentTimeMillis]
        return keyring[purpose].filter(verifiesAt(now))
      })

    return KeyStore.of({
      // Every key lives in a Ref: nothing waits.
      answersSynchronously: true,
      current: (purpose) => Effect.map(Ref.get(ring), (keyring) => keyring[purpose][0]),
      find: (purpose, kid) =>
        Effect.map(verificationKeys(purpose), (keys) => Option.fromNullishOr(keys.find((key) => key.kid === kid))),
      verificationKeys,
      rotate: (purpose, rotateOptions) =>
        Effect.gen(function*() {
          const { key, now, retiresAt } = yield* startRotation(purpose, specOf(purpose, session), rotateOptions, retireAfterSeconds)
          // One atomic update, so concurrent rotations still leave exactly one current key.
          const retire = (k: Key): Key => (k.retiresAt === null ? { ...k, retiresAt } : k)
          yield* Ref.update(ring, (keyring): Keyring => ({
            ...keyring,
            [purpose]: [key, ...keyring[purpose].map(retire).filter(verifiesAt(now))]
          }))
          return key
        }),
      jwks: jwksOfPurposes(verificationKeys)
    })
  })

export const layer = (options: Options): Layer.Layer<KeyStore, InvalidKeyStoreOptions | WeakSecret> =>
  Layer.effect(KeyStore, make(options))
