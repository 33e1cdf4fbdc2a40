/**
 * How SqliteKeyStore seals the keys it stores (rotated secrets and key pairs): the shared AES-256-GCM
 * layout, under a key-encryption key derived from a secret. The KEK's HKDF infos, its 12-byte id and the
 * row's AAD (`aadOf` in keyRows.ts) are this file format's own: changing one leaves stored keys unopenable.
 */
import type { Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { deriveBytes } from "../../ports/keys/derivedKeys.ts"
import * as Sealed from "../../ports/keys/sealedKeyMaterial.ts"

export const kekOf = (secret: Redacted.Redacted<string>): Sealed.Kek => ({
  id: Base64Url.encode(deriveBytes(secret, "kek-id", 12)),
  key: deriveBytes(secret, "kek A256GCM", 32)
})

const encoder = new TextEncoder()

export const seal = (kek: Sealed.Kek, aad: string, plaintext: Uint8Array): Uint8Array =>
  Sealed.seal(kek, encoder.encode(aad), plaintext)

/** The plaintext, or undefined when no longer openable (another secret, another row's AAD, or tampering). */
export const unseal = (kek: Sealed.Kek, aad: string, sealed: Uint8Array): Uint8Array | undefined =>
  Sealed.unseal(kek, encoder.encode(aad), sealed)
