/**
 * How SqliteKeyStore seals the keys it stores (rotated secrets and key pairs) and marks the keys it derives:
 * the shared AES-256-GCM layout under a key-encryption key derived from a secret. No row names its KEK:
 * `unsealWithAny` finds it by trial (an id computed from the secret would let anyone who reads the file test
 * guesses at the secret). The KEK's HKDF info and the row's AAD (`aadOf` in keyRows.ts) are this file
 * format's own: changing one leaves stored keys unopenable.
 */
import type { Redacted } from "effect"
import { deriveBytes } from "../keyring/derivedKeys.ts"
import { aesGcmOpen, aesGcmSeal } from "../keyring/aesGcm.ts"
import type { Kek } from "../keyring/storedKeySealing.ts"

export const kekOf = (secret: Redacted.Redacted<string>): Kek => ({ key: deriveBytes(secret, "kek A256GCM", 32) })

const encoder = new TextEncoder()

export const seal = (kek: Kek, aad: string, plaintext: Uint8Array): Uint8Array =>
  aesGcmSeal(kek.key, encoder.encode(aad), plaintext)

/**
 * The plaintext and the index of the first of `keks` that opens it, or undefined when none does (another
 * secret, another row's AAD, or tampering).
 */
export const unsealWithAny = (keks: ReadonlyArray<Kek>, aad: string, sealed: Uint8Array) => {
  for (const [by, kek] of keks.entries()) {
    const plaintext = aesGcmOpen(kek.key, encoder.encode(aad), sealed)
    if (plaintext !== undefined) return { plaintext, by }
  }
  return undefined
}
