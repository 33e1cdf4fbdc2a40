/**
 * What an `authfx_keys` row holds, and how its material is sealed: AES-256-GCM under a key-encryption key
 * (KEK) that HKDF derives from a deployment secret. The database alone never yields a usable key; the
 * secret alone forges nothing either, because the keys themselves are random.
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { Base64Url } from "effect/encoding"
import {
  type ContentEncryption,
  type Key,
  KeyPurpose,
  KeyStoreUnavailable,
  type PairAlgorithm,
  type SecretAlgorithm
} from "../../ports/KeyStore.ts"

export interface Kek {
  /** Names the secret without revealing it (a separate HKDF output), stored as `kek_id`. */
  readonly id: string
  readonly key: SubtleKey
}

// Whatever the runtime's WebCrypto hands back: the global typings differ between DOM and Node lib files.
type SubtleKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>

const Algorithm = Schema.Literals([
  "HS256", "HS384", "HS512", "dir", "RS256", "PS256", "ES256", "EdDSA", "RSA-OAEP-256", "ECDH-ES"
] satisfies Array<SecretAlgorithm | PairAlgorithm>)

/** An `authfx_keys` row as the driver returns it, checked: a row written by hand or by a future version is refused. */
export const KeyRow = Schema.Struct({
  kid: Schema.NonEmptyString,
  purpose: KeyPurpose,
  alg: Algorithm,
  enc: Schema.NullOr(Schema.Literals(["A256GCM", "A256CBC-HS512"] satisfies Array<ContentEncryption>)),
  material: Schema.Uint8Array,
  kek_id: Schema.String,
  created_at: Schema.Date,
  retires_at: Schema.NullOr(Schema.Date)
})
export type KeyRow = typeof KeyRow.Type

const failure = (message: string) => (cause: unknown) => new KeyStoreUnavailable({ message, cause })

const encoder = new TextEncoder()

const hkdf = (ikm: Uint8Array<ArrayBuffer>, info: string, length: number) =>
  Effect.tryPromise({
    try: async () => {
      const base = await globalThis.crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"])
      const params = { name: "HKDF", hash: "SHA-256", salt: encoder.encode("authfx"), info: encoder.encode(info) }
      return new Uint8Array(await globalThis.crypto.subtle.deriveBits(params, base, length * 8))
    },
    catch: failure("WebCrypto could not derive a key-encryption key")
  })

/**
 * One KEK per secret, in the order given: the first seals, any of them opens. The HKDF info strings differ
 * from the ones MemoryKeyStore derives its keys with, so a KEK is never also a signing key.
 */
export const deriveKeks = (secrets: ReadonlyArray<Redacted.Redacted<string>>) =>
  Effect.forEach(secrets, (secret) =>
    Effect.gen(function*() {
      const ikm = encoder.encode(Redacted.value(secret))
      const raw = yield* hkdf(ikm, "authfx_keys key-encryption key", 32)
      const id = Base64Url.encode(yield* hkdf(ikm, "authfx_keys key-encryption key id", 9))
      const key = yield* Effect.tryPromise({
        try: () => globalThis.crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
        catch: failure("WebCrypto could not import a key-encryption key")
      })
      return { id, key } satisfies Kek
    }))

type Labels = Pick<Key, "kid" | "purpose" | "alg" | "enc">

// Binds the ciphertext to its row: material moved to another kid, purpose or algorithm does not open.
const associatedData = (key: Labels) =>
  encoder.encode(`authfx_keys ${key.kid} ${key.purpose} ${key.alg} ${key.enc ?? "none"}`)

const plaintextOf = (key: Key): Uint8Array<ArrayBuffer> =>
  key._tag === "SecretKey"
    ? Uint8Array.from(Redacted.value(key.secret))
    : encoder.encode(JSON.stringify({ privateJwk: Redacted.value(key.privateJwk), publicJwk: key.publicJwk }))

/** `nonce ‖ ciphertext ‖ tag`, with a fresh 96-bit random nonce. */
export const seal = (kek: Kek, key: Key): Effect.Effect<Uint8Array, KeyStoreUnavailable> =>
  Effect.tryPromise({
    try: async () => {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
      const params = { name: "AES-GCM", iv, additionalData: associatedData(key) }
      const sealed = new Uint8Array(await globalThis.crypto.subtle.encrypt(params, kek.key, plaintextOf(key)))
      const material = new Uint8Array(iv.length + sealed.length)
      material.set(iv)
      material.set(sealed, iv.length)
      return material
    },
    catch: failure("WebCrypto could not encrypt a key")
  })

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const pairAlgorithms: ReadonlyArray<string> = ["RS256", "PS256", "ES256", "EdDSA", "RSA-OAEP-256", "ECDH-ES"]
const isPair = (alg: SecretAlgorithm | PairAlgorithm): alg is PairAlgorithm => pairAlgorithms.includes(alg)

const rebuild = (row: KeyRow, plaintext: Uint8Array): Option.Option<Key> => {
  const common = { kid: row.kid, purpose: row.purpose, enc: row.enc, createdAt: row.created_at, retiresAt: row.retires_at }
  const alg = row.alg
  if (!isPair(alg)) return Option.some({ _tag: "SecretKey", ...common, alg, secret: Redacted.make(plaintext) })
  const payload: unknown = JSON.parse(new TextDecoder().decode(plaintext))
  if (!isRecord(payload) || !isRecord(payload["privateJwk"]) || !isRecord(payload["publicJwk"])) return Option.none()
  const publicJwk = payload["publicJwk"]
  if (publicJwk["kid"] !== row.kid || typeof publicJwk["kty"] !== "string") return Option.none()
  return Option.some({
    _tag: "KeyPair",
    ...common,
    alg,
    privateJwk: Redacted.make(payload["privateJwk"]),
    publicJwk: { ...publicJwk, kty: publicJwk["kty"], kid: row.kid, alg, use: publicJwk["use"] === "enc" ? "enc" : "sig" }
  })
}

/**
 * Opens material sealed under `kek`. None when it does not open (another secret sealed it, or the row was
 * tampered with): GCM's tag check tells the two cases from a right key.
 */
export const open = (kek: Kek, row: KeyRow): Effect.Effect<Option.Option<Key>> =>
  Effect.promise(async () => {
    try {
      const params = { name: "AES-GCM", iv: row.material.slice(0, 12), additionalData: associatedData(row) }
      const plaintext = await globalThis.crypto.subtle.decrypt(params, kek.key, row.material.slice(12))
      return rebuild(row, new Uint8Array(plaintext))
    } catch {
      return Option.none()
    }
  })
