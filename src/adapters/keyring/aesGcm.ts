/**
 * AES-256-GCM as authfx keeps things sealed at rest, laid out as the 12-byte random IV, then the ciphertext,
 * then the 16-byte tag (what WebCrypto's AES-GCM gives after the IV). Stored keys (storedKeySealing.ts) and
 * OAuth tokens (adapters/sealedTokens) are both sealed this way; what each binds as associated data is its own
 * persisted format.
 *
 * Synchronous (node:crypto): the SQLite store seals inside a transaction, which must not wait on a promise
 * while other fibers share the connection.
 */
import { createCipheriv, createDecipheriv } from "node:crypto"

const ivLength = 12
const tagLength = 16

/** `plaintext` sealed under the 32-byte `key`, bound to `aad`, with a fresh random IV. */
export const aesGcmSeal = (key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array => {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(ivLength))
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: tagLength })
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()]))
}

/** The plaintext, or undefined when the tag does not verify (another key, another AAD, or tampering). */
export const aesGcmOpen = (key: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined => {
  if (sealed.length < ivLength + tagLength) return undefined
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, ivLength), {
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
