/**
 * How a KeyStore seals the keys it stores, and opens them again: the one key-encryption scheme of every store
 * that keeps keys (SQLite and PostgreSQL alike). A store records a key's kid, purpose, algorithm and dates
 * in columns of its own and keeps only what `sealStoredKey` returns as its material.
 *
 * - The key-encryption key (KEK) of a deployment secret is HKDF-SHA-256 of it (derivedKeys.ts's `deriveBytes`)
 *   under the info `authfx_keys key-encryption key`, 32 bytes. No key is derived under that info, so a KEK is
 *   never also a signing key.
 * - The material is AES-256-GCM (aesGcm.ts: IV, ciphertext, tag) under the first configured secret's KEK.
 * - Its associated data is `authfx_keys <kid> <purpose> <alg> <enc or none>`: material moved to another kid,
 *   purpose or algorithm (a hand edit, or an attacker who can write the store) does not open there.
 * - Its plaintext is a secret key's bytes, exactly as many as its kind takes (keySpec.ts's `secretLength`), or
 *   a key pair's `{"privateJwk": …, "publicJwk": …}` as JSON. Anything else that opens is refused, so that
 *   nothing written under another layout (an empty derived-key mark, say) is ever taken for a key.
 * - Nothing stored names the KEK. An id computed from the secret (as `kek_id` once was) lets anyone who reads
 *   the store test a guess at the secret with one HKDF, and look the id up in a table made once for every
 *   deployment; `unsealStoredKey` finds the KEK by trial instead: AES-GCM's tag says which secret's KEK opens
 *   a key (a wrong one passes with a 2^-128 chance), so trying a handful costs a handful of AES blocks.
 *
 * The strings are those PostgresKeyStore wrote first (hence `authfx_keys`, its table's name). This is a
 * persisted format: changing the info, the associated data or the plaintext leaves stored keys unopenable,
 * so a change is a new scheme that stores still read the old one beside.
 *
 * Synchronous (node:crypto): the SQLite store seals inside a transaction, which must not wait on a promise
 * while other fibers share the connection.
 */
import { Redacted } from "effect"
import type {
  ContentEncryption,
  Key,
  KeyPurpose,
  PairAlgorithm,
  PublicJwk,
  SecretAlgorithm
} from "../../ports/KeyStore.ts"
import { aesGcmOpen, aesGcmSeal } from "./aesGcm.ts"
import { deriveBytes } from "./derivedKeys.ts"
import { keyPairOf, secretKeyOf } from "./keyMaterial.ts"
import { isPairAlgorithm, secretLength } from "./keySpec.ts"

/** A key-encryption key: 32 bytes. */
export interface Kek {
  readonly key: Uint8Array
}

/** The KEK of a deployment secret. */
export const kekFromSecret = (secret: Redacted.Redacted<string>): Kek => ({
  key: deriveBytes(secret, "authfx_keys key-encryption key", 32)
})

/** What a store records of a key beside its sealed material; the sealing binds the first four. */
export interface StoredKeyRecord {
  readonly kid: string
  readonly purpose: KeyPurpose
  readonly alg: SecretAlgorithm | PairAlgorithm
  readonly enc: ContentEncryption | null
  readonly createdAt: Date
  readonly retiresAt: Date | null
}

/** What sealed material is bound to. */
export type StoredKeyLabels = Pick<StoredKeyRecord, "kid" | "purpose" | "alg" | "enc">

const encoder = new TextEncoder()

const associatedData = (labels: StoredKeyLabels) =>
  encoder.encode(`authfx_keys ${labels.kid} ${labels.purpose} ${labels.alg} ${labels.enc ?? "none"}`)

const plaintextOf = (key: Key): Uint8Array =>
  key._tag === "SecretKey"
    ? Redacted.value(key.secret)
    : encoder.encode(JSON.stringify({ privateJwk: Redacted.value(key.privateJwk), publicJwk: key.publicJwk }))

/** `key`'s material sealed under `kek`, bound to its kid, purpose and algorithm. */
export const sealStoredKey = (kek: Kek, key: Key): Uint8Array =>
  aesGcmSeal(kek.key, associatedData(key), plaintextOf(key))

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const parsedJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const publicJwkOf = (value: unknown, record: StoredKeyRecord): PublicJwk | undefined => {
  if (!isRecord(value)) return undefined
  const { kty, use } = value
  if (typeof kty !== "string" || value["kid"] !== record.kid || value["alg"] !== record.alg) return undefined
  return use === "sig" || use === "enc" ? { ...value, kty, kid: record.kid, alg: record.alg, use } : undefined
}

/**
 * The key a plaintext of this scheme holds for `record`, or undefined when it is not one: a secret of
 * another length than its kind's, or a key pair whose JSON or public JWK does not fit the record.
 */
export const storedKeyOf = (record: StoredKeyRecord, plaintext: Uint8Array): Key | undefined => {
  const { alg, createdAt, enc, kid, purpose, retiresAt } = record
  if (!isPairAlgorithm(alg)) {
    const spec = { _tag: "SecretKey", alg, enc } as const
    if (plaintext.length !== secretLength(spec)) return undefined
    return secretKeyOf(purpose, spec, { kid, bytes: plaintext }, createdAt, retiresAt)
  }
  const payload = parsedJson(new TextDecoder().decode(plaintext))
  if (!isRecord(payload) || !isRecord(payload["privateJwk"])) return undefined
  const publicJwk = publicJwkOf(payload["publicJwk"], record)
  if (publicJwk === undefined) return undefined
  const material = { kid, privateJwk: payload["privateJwk"], publicJwk }
  return keyPairOf(purpose, { _tag: "KeyPair", alg, enc }, material, createdAt, retiresAt)
}

/**
 * The key `sealed` holds for `record`, and the index in `keks` of the KEK that opened it (`by`: 0 is the
 * first secret's, which seals). Undefined when no KEK opens it (no configured secret sealed it, or it was
 * moved or tampered with) or what opens is not a key of the record's kind.
 */
export const unsealStoredKey = (
  keks: ReadonlyArray<Kek>,
  record: StoredKeyRecord,
  sealed: Uint8Array
): { readonly key: Key; readonly by: number } | undefined => {
  const aad = associatedData(record)
  for (const [by, kek] of keks.entries()) {
    const plaintext = aesGcmOpen(kek.key, aad, sealed)
    if (plaintext === undefined) continue
    const key = storedKeyOf(record, plaintext)
    return key === undefined ? undefined : { key, by }
  }
  return undefined
}

const nothing = new Uint8Array(0)

/**
 * A mark that records a key derived from a secret without storing it (SqliteKeyStore's derived rows): an
 * empty plaintext sealed under that secret's KEK, bound as the key would be. Which KEK opens it says whose
 * key the record is, to a store that has the secret and to nobody else; it never opens as a key.
 */
export const sealDerivedMark = (kek: Kek, labels: StoredKeyLabels): Uint8Array =>
  aesGcmSeal(kek.key, associatedData(labels), nothing)

/** The index in `keks` of the KEK whose mark `sealed` is for `labels`, or undefined when none's is. */
export const openDerivedMark = (
  keks: ReadonlyArray<Kek>,
  labels: StoredKeyLabels,
  sealed: Uint8Array
): number | undefined => {
  const aad = associatedData(labels)
  for (const [by, kek] of keks.entries()) {
    const plaintext = aesGcmOpen(kek.key, aad, sealed)
    if (plaintext !== undefined) return plaintext.length === 0 ? by : undefined
  }
  return undefined
}
