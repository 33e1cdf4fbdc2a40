/**
 * What an `authfx_keys` row holds, and how its material is sealed: the shared AES-256-GCM layout
 * (adapters/keyring/sealedKeyMaterial.ts) under a key-encryption key (KEK) that HKDF derives from a deployment
 * secret. The database alone never yields a usable key; the secret alone forges nothing either, because the
 * keys themselves are random. Nothing in a row names the KEK (a migration dropped `kek_id`, an HKDF of the
 * secret): `open` finds it by trial. The KEK's info, the AAD and the sealed JSON are this table's own format:
 * changing one leaves stored keys unopenable.
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { type Key, KeyPurpose } from "../../ports/KeyStore.ts"
import { deriveBytes } from "../keyring/derivedKeys.ts"
import { contentEncryptions, isPairAlgorithm, pairAlgorithms, secretAlgorithms } from "../keyring/keySpec.ts"
import { type Kek, seal as sealBytes, unsealWithAny } from "../keyring/sealedKeyMaterial.ts"

/** An `authfx_keys` row as the driver returns it, checked: a row written by hand or by a future version is refused. */
export const KeyRow = Schema.Struct({
  kid: Schema.NonEmptyString,
  purpose: KeyPurpose,
  alg: Schema.Literals([...secretAlgorithms, ...pairAlgorithms]),
  enc: Schema.NullOr(Schema.Literals(contentEncryptions)),
  material: Schema.Uint8Array,
  created_at: Schema.Date,
  retires_at: Schema.NullOr(Schema.Date)
})
export type KeyRow = typeof KeyRow.Type

const encoder = new TextEncoder()

/** The secret's KEK. Its info differs from those keys are derived with, so a KEK is never also a signing key. */
export const kekOf = (secret: Redacted.Redacted<string>): Kek => ({
  key: deriveBytes(secret, "authfx_keys key-encryption key", 32)
})

type Labels = Pick<Key, "kid" | "purpose" | "alg" | "enc">

// Binds the ciphertext to its row: material moved to another kid, purpose or algorithm does not open.
const associatedData = (key: Labels) =>
  encoder.encode(`authfx_keys ${key.kid} ${key.purpose} ${key.alg} ${key.enc ?? "none"}`)

const plaintextOf = (key: Key): Uint8Array<ArrayBuffer> =>
  key._tag === "SecretKey"
    ? Uint8Array.from(Redacted.value(key.secret))
    : encoder.encode(JSON.stringify({ privateJwk: Redacted.value(key.privateJwk), publicJwk: key.publicJwk }))

/** `nonce ‖ ciphertext ‖ tag`, with a fresh 96-bit random nonce. */
export const seal = (kek: Kek, key: Key): Effect.Effect<Uint8Array> =>
  Effect.sync(() => sealBytes(kek, associatedData(key), plaintextOf(key)))

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const parsedJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const rebuild = (row: KeyRow, plaintext: Uint8Array): Option.Option<Key> => {
  const common = { kid: row.kid, purpose: row.purpose, enc: row.enc, createdAt: row.created_at, retiresAt: row.retires_at }
  const alg = row.alg
  if (!isPairAlgorithm(alg)) return Option.some({ _tag: "SecretKey", ...common, alg, secret: Redacted.make(plaintext) })
  const payload = parsedJson(new TextDecoder().decode(plaintext))
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
 * Opens a row under the first of `keks` whose tag verifies, and says which one (`by`, its index). None when
 * none does (no configured secret sealed it, or the row was tampered with).
 */
export const open = (
  keks: ReadonlyArray<Kek>,
  row: KeyRow
): Effect.Effect<Option.Option<{ readonly key: Key; readonly by: number }>> =>
  Effect.sync(() => {
    const opened = unsealWithAny(keks, associatedData(row), row.material)
    if (opened === undefined) return Option.none()
    return Option.map(rebuild(row, opened.plaintext), (key) => ({ key, by: opened.by }))
  })
