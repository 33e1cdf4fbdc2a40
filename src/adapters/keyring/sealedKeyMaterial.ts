/**
 * Key material sealed at rest: AES-256-GCM under a key-encryption key (KEK), laid out as the 12-byte random
 * IV, then the ciphertext, then the 16-byte tag (what WebCrypto's AES-GCM gives after the IV). The SQLite and
 * PostgreSQL stores both persist this layout. How each derives its KEK, and what it binds as associated data
 * and seals as plaintext are its own persisted formats, so they stay in each store.
 *
 * Nothing stored names the KEK. An id computed from the secret (as `kek_id` once was) lets anyone who reads
 * the database test a guess at the secret with one HKDF, and look the id up in a table made once for every
 * deployment; `unsealWithAny` finds the KEK by trial instead: AES-GCM's tag says which one opens a row.
 *
 * Synchronous (node:crypto): the SQLite store seals inside a transaction, which must not wait on a promise
 * while other fibers share the connection.
 */
import { createCipheriv, createDecipheriv } from "node:crypto"

/** A key-encryption key: 32 bytes. */
export interface Kek {
  readonly key: Uint8Array
}

const ivLength = 12
const tagLength = 16

export const seal = (kek: Kek, aad: Uint8Array, plaintext: Uint8Array): Uint8Array => {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(ivLength))
  const cipher = createCipheriv("aes-256-gcm", kek.key, iv, { authTagLength: tagLength })
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()]))
}

/** The plaintext, or undefined when the tag does not verify (another KEK, another row's AAD, or tampering). */
export const unseal = (kek: Kek, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined => {
  if (sealed.length < ivLength + tagLength) return undefined
  try {
    const decipher = createDecipheriv("aes-256-gcm", kek.key, sealed.subarray(0, ivLength), {
      authTagLength: tagLength
    })
    decipher.setAAD(aad)
    decipher.setAuthTag(sealed.subarray(sealed.length - tagLength))
    const body = sealed.subarray(ivLength, sealed.length - tagLength)
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]))
  } catch {
    return undefined
  }
}

/**
 * The plaintext and the index of the first KEK in `keks` that opens `sealed`, or undefined when none does.
 * A wrong KEK fails the tag check (a 2^-128 chance otherwise), so trying a handful costs a handful of AES
 * blocks and never mistakes one for another.
 */
export const unsealWithAny = (
  keks: ReadonlyArray<Kek>,
  aad: Uint8Array,
  sealed: Uint8Array
): { readonly plaintext: Uint8Array; readonly by: number } | undefined => {
  for (const [by, kek] of keks.entries()) {
    const plaintext = unseal(kek, aad, sealed)
    if (plaintext !== undefined) return { plaintext, by }
  }
  return undefined
}
