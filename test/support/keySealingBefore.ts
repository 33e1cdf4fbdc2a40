/**
 * How the stores sealed their keys before they shared adapters/keyring/storedKeySealing.ts, frozen here (node:crypto
 * only, nothing from src) so that tests can write a store's rows exactly as an earlier authfx did and check that
 * the current one still opens them:
 * - PostgreSQL (src/adapters/postgres/keyMaterial.ts until then): KEK info `authfx_keys key-encryption key`,
 *   associated data `authfx_keys <kid> <purpose> <alg> <enc>`, a key pair as `{ privateJwk, publicJwk }` JSON.
 * - SQLite (src/adapters/sqlite/keySealing.ts and keyRows.ts's `aadOf`): KEK info `kek A256GCM`, associated
 *   data `authfx key <purpose> <kid> <kind> <alg> <enc>`, a key pair as its private JWK's JSON (the public one
 *   in its own column), a derived key's row as an empty plaintext.
 */
import { Redacted } from "effect"
import { createCipheriv, hkdfSync } from "node:crypto"
import type { Key } from "../../src/ports/KeyStore.ts"

const kek = (secret: Redacted.Redacted<string>, info: string) =>
  new Uint8Array(hkdfSync("sha256", Redacted.value(secret), "authfx", info, 32))

const aesGcm = (key: Uint8Array, aad: string, plaintext: Uint8Array): Uint8Array => {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 })
  cipher.setAAD(new TextEncoder().encode(aad))
  return new Uint8Array(Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]))
}

/** An `authfx_keys.material` as PostgresKeyStore wrote it under `secret`. */
export const sealedAsPostgresDid = (secret: Redacted.Redacted<string>, key: Key): Uint8Array =>
  aesGcm(
    kek(secret, "authfx_keys key-encryption key"),
    `authfx_keys ${key.kid} ${key.purpose} ${key.alg} ${key.enc ?? "none"}`,
    key._tag === "SecretKey"
      ? Redacted.value(key.secret)
      : new TextEncoder().encode(JSON.stringify({ privateJwk: Redacted.value(key.privateJwk), publicJwk: key.publicJwk }))
  )

/** A `keys.wrapped` as SqliteKeyStore wrote it under `secret`: a stored key's, or a derived key's empty mark. */
export const wrappedAsSqliteDid = (
  secret: Redacted.Redacted<string>,
  row: { readonly purpose: string; readonly kid: string; readonly kind: string; readonly alg: string; readonly enc: string | null },
  plaintext: Uint8Array
): Uint8Array =>
  aesGcm(kek(secret, "kek A256GCM"), `authfx key ${row.purpose} ${row.kid} ${row.kind} ${row.alg} ${row.enc ?? "none"}`, plaintext)

/** The plaintext SqliteKeyStore sealed for a key: a secret's bytes, a key pair's private JWK as JSON. */
export const sqlitePlaintextOf = (key: Key): Uint8Array =>
  key._tag === "SecretKey" ? Redacted.value(key.secret) : new TextEncoder().encode(JSON.stringify(Redacted.value(key.privateJwk)))
