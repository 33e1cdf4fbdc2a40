/**
 * Fresh keys, as a rotation makes them: nothing about them follows from the deployment secret, so a store
 * that must keep them across restarts has to store them.
 */
import { Clock, Effect } from "effect"
import { Base64Url } from "effect/encoding"
import type { Key, KeyPurpose, KeyStoreUnavailable } from "../../ports/KeyStore.ts"
import { keyPairOf, secretKeyOf, type SecretMaterial } from "./keyMaterial.ts"
import { rotationRetireAfter } from "./keyOptions.ts"
import { generatePair } from "./keyPairs.ts"
import { type SecretSpec, secretLength, type Spec } from "./keySpec.ts"

// Secrets come from a cryptographically secure source (see STYLE.md), never Effect's seeded Random.
const randomBytes = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length))

/** A random 96-bit kid: it names a key and says nothing about it or about any secret. */
export const randomKid = (): string => Base64Url.encode(randomBytes(12))

/** Key material drawn at random: a random secret of the spec's length and a random kid. */
export const randomKeyMaterial = (spec: SecretSpec): SecretMaterial => ({ kid: randomKid(), bytes: randomBytes(secretLength(spec)) })

/** A new current key of the spec's kind: a random secret or a generated pair. */
export const freshKey = (purpose: KeyPurpose, spec: Spec, createdAt: Date): Effect.Effect<Key, KeyStoreUnavailable> =>
  spec._tag === "KeyPair"
    ? Effect.map(generatePair(spec), (material) => keyPairOf(purpose, spec, material, createdAt, null))
    : Effect.sync(() => secretKeyOf(purpose, spec, randomKeyMaterial(spec), createdAt, null))

/**
 * What every store's `rotate` starts with: a fresh current key of the purpose's kind, now, and when the key it
 * replaces stops verifying (the call's `retireAfterSeconds`, else the store's).
 */
export const startRotation = Effect.fnUntraced(function*(
  purpose: KeyPurpose,
  spec: Spec,
  rotateOptions: { readonly retireAfterSeconds?: number } | undefined,
  storeSeconds: number
) {
  const seconds = yield* rotationRetireAfter(rotateOptions, storeSeconds)
  const now = yield* Clock.currentTimeMillis
  const key = yield* freshKey(purpose, spec, new Date(now))
  return { key, now, retiresAt: new Date(now + seconds * 1000) }
})
