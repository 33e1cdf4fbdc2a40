/**
 * How SqliteKeyStore seals the keys it stores (rotated secrets and key pairs) and marks the keys it derives:
 * the shared AES-256-GCM layout under a key-encryption key derived from a secret. No row names its KEK:
 * `unsealWithAny` finds it by trial (an id computed from the secret would let anyone who reads the file test
 * guesses at the secret). The KEK's HKDF info and the row's AAD (`aadOf` in keyRows.ts) are this file
 * format's own: changing one leaves stored keys unopenable.
 */
import type { Redacted } from "effect"
import { deriveBytes } from "../keyring/derivedKeys.ts"
import * as Sealed from "../keyring/sealedKeyMaterial.ts"

export const kekOf = (secret: Redacted.Redacted<string>): Sealed.Kek => ({ key: deriveBytes(secret, "kek A256GCM", 32) })

const encoder = new TextEncoder()

export const seal = (kek: Sealed.Kek, aad: string, plaintext: Uint8Array): Uint8Array =>
  Sealed.seal(kek, encoder.encode(aad), plaintext)

/**
 * The plaintext and the index of the first of `keks` that opens it, or undefined when none does (another
 * secret, another row's AAD, or tampering).
 */
export const unsealWithAny = (keks: ReadonlyArray<Sealed.Kek>, aad: string, sealed: Uint8Array) =>
  Sealed.unsealWithAny(keks, encoder.encode(aad), sealed)
