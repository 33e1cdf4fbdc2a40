import { Effect, Redacted } from "effect"
import { Digest, SecureRandom } from "effect/crypto"
import { Base64Url } from "effect/encoding"
import { KeyStore, type KeyPurpose } from "../ports/KeyStore.ts"
import { hmacSha256Hex } from "./hmacSha256.ts"

/** A fresh secret of `bytes` random bytes from the CSPRNG, base64url-encoded. */
export const randomSecret = (bytes: number) =>
  Effect.map(SecureRandom.SecureRandom.use((random) => random.randomBytes(bytes)), (b) => Redacted.make(Base64Url.encode(b)))

/** An unguessable, non-secret id (jti, claim holder): 128 random bits. */
export const randomId = Effect.map(SecureRandom.SecureRandom.use((random) => random.randomBytes(16)), Base64Url.encode)

/**
 * SHA-256 of a high-entropy token, as stored for database sessions. Unkeyed on purpose: the token has
 * 256 random bits, so a hash cannot be brute-forced back, and any node can compute it without keys.
 */
export const hashToken = (token: Redacted.Redacted<string>) =>
  Digest.Digest.use((digest) => digest.digestHex(Digest.sha256, new TextEncoder().encode(Redacted.value(token))))

/**
 * HMAC-SHA256 under every verifying key of `purpose`, current key first: storing uses the first,
 * looking up tries them all, so a key rotation does not break links already sent.
 */
export const keyedHashes = Effect.fnUntraced(function*(purpose: KeyPurpose, message: string) {
  const keys = yield* KeyStore.use((store) => store.verificationKeys(purpose))
  const hashes: Array<string> = []
  for (const key of keys) {
    if (key._tag === "SecretKey") hashes.push(yield* hmacSha256Hex(Redacted.value(key.secret), message))
  }
  return hashes
})
