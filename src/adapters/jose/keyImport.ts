import { Effect, Redacted } from "effect"
import { type CryptoKey, importJWK } from "jose"
import type { Key, PairAlgorithm } from "../../ports/KeyStore.ts"
import { makeOpen, type Open } from "./verifyCompact.ts"

/** Key material as jose takes it: a CryptoKey, or raw bytes where jose insists on them (AES-CBC-HMAC). */
export type KeyMaterial = CryptoKey | Uint8Array

/**
 * One key, imported once, with what a token under it must say. `alg`/`enc` are the only values `open` accepts
 * in a header naming `kid`.
 */
export interface PreparedKey {
  readonly kid: string
  readonly alg: string
  readonly enc: string | undefined
  readonly serialization: "jws" | "jwe"
  readonly sealWith: KeyMaterial
  readonly openWith: KeyMaterial
  /** The raw bytes of a `dir` + A256GCM key, opened synchronously with node:crypto (see openDirGcm). */
  readonly dirGcmKey?: Uint8Array
}

const hmacHash = { HS256: "SHA-256", HS384: "SHA-384", HS512: "SHA-512" } as const
const encryptingPairs: ReadonlySet<PairAlgorithm> = new Set(["RSA-OAEP-256", "ECDH-ES"])

// jose takes a Uint8Array secret too, but then imports it into WebCrypto on every call; a CryptoKey is used as is.
const importSecret = (bytes: Uint8Array<ArrayBuffer>, hash: string) =>
  globalThis.crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash }, false, ["sign", "verify"])

/** The bytes of a `dir` key for `enc`, imported the way jose's content encryption wants them. */
export const importContentKey = async (bytes: Uint8Array<ArrayBuffer>, enc: string): Promise<KeyMaterial> =>
  // jose splits an A256CBC-HS512 key into its AES and HMAC halves itself and accepts only raw bytes for it.
  enc === "A256GCM"
    ? globalThis.crypto.subtle.importKey("raw", bytes, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
    : bytes

const prepare = async (key: Key): Promise<PreparedKey> => {
  const common = { kid: key.kid, alg: key.alg, enc: key.enc ?? undefined }
  if (key._tag === "SecretKey") {
    const bytes = new Uint8Array(Redacted.value(key.secret))
    if (key.alg === "dir") {
      const material = await importContentKey(bytes, key.enc ?? "A256GCM")
      const prepared: PreparedKey = { ...common, serialization: "jwe", sealWith: material, openWith: material }
      return (key.enc ?? "A256GCM") === "A256GCM" ? { ...prepared, dirGcmKey: bytes } : prepared
    }
    const material = await importSecret(bytes, hmacHash[key.alg])
    return { ...common, serialization: "jws", sealWith: material, openWith: material }
  }
  const encrypts = encryptingPairs.has(key.alg)
  const [privateKey, publicKey] = await Promise.all([
    importJWK({ ...Redacted.value(key.privateJwk) }, key.alg),
    importJWK({ ...key.publicJwk }, key.alg)
  ])
  // A JWE is sealed to the public key and opened with the private one; a JWS the other way round.
  return encrypts
    ? { ...common, serialization: "jwe", sealWith: publicKey, openWith: privateKey }
    : { ...common, serialization: "jws", sealWith: privateKey, openWith: publicKey }
}

/** A prepared key and its opener, built together once. */
export interface CachedKey extends PreparedKey {
  readonly open: Open
}

/** The most keys a cache holds: far more than a purpose ever has verifying at once. */
const maxCachedKeys = 64

/** What a key's material is, as the store handed it out; a cached import is used only for this very object. */
const materialOf = (key: Key): object => (key._tag === "SecretKey" ? key.secret : key.privateJwk)

/**
 * Imports each key once. Entries are only ever made from keys the store handed out, never from anything a
 * token says, so a flood of tokens naming random kids adds nothing. An entry serves a key only while the
 * store hands out the same material object under that kid with the same algorithm, so a store that reused a
 * kid could not make us use the wrong key. It stays bounded: `retain` keeps only the keys that still verify
 * (the codec calls it whenever a token's kid is not found), and past `maxCachedKeys` the oldest goes.
 */
export const makeKeyCache = () => {
  const prepared = new Map<string, { readonly material: object; readonly key: CachedKey }>()
  const get = (key: Key): Effect.Effect<CachedKey> => {
    const hit = prepared.get(key.kid)
    if (hit !== undefined && hit.material === materialOf(key) && hit.key.alg === key.alg && hit.key.enc === (key.enc ?? undefined)) {
      return Effect.succeed(hit.key)
    }
    // A key from our own store that WebCrypto cannot import is a broken deployment, not a bad token.
    return Effect.map(Effect.promise(() => prepare(key)), (fresh) => {
      const cached = { ...fresh, open: makeOpen(fresh) }
      prepared.delete(key.kid)
      prepared.set(key.kid, { material: materialOf(key), key: cached })
      for (const oldest of prepared.keys()) {
        if (prepared.size <= maxCachedKeys) break
        prepared.delete(oldest)
      }
      return cached
    })
  }
  const retain = (keys: ReadonlyArray<Key>) => {
    const verifying = new Set(keys.map((key) => key.kid))
    for (const kid of prepared.keys()) if (!verifying.has(kid)) prepared.delete(kid)
  }
  return { get, retain, size: () => prepared.size }
}
