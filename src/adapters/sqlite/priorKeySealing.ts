/**
 * How SqliteKeyStore sealed keys before it sealed them as PostgreSQL does (adapters/keyring/storedKeySealing.ts):
 * the rows whose `sealing` is 'sqlite'. Read only: the store opens such a row with this and reseals it in the
 * shared scheme when it starts, so a file written before keeps every key. This is that format, as it was:
 * - the key-encryption key (KEK) of a secret: HKDF info `kek A256GCM`, 32 bytes;
 * - associated data: `authfx key <purpose> <kid> <kind> <alg> <enc or none>`;
 * - plaintext: a secret key's bytes, a key pair's private JWK as JSON (its public JWK in the row's `public_jwk`),
 *   a derived key's mark empty;
 * - the AES-256-GCM layout of adapters/keyring/aesGcm.ts; no row names its KEK, each secret's is tried.
 */
import type { Redacted } from "effect"
import type { Key, PublicJwk } from "../../ports/KeyStore.ts"
import { aesGcmOpen } from "../keyring/aesGcm.ts"
import { deriveBytes } from "../keyring/derivedKeys.ts"
import { type Kek, storedKeyOf } from "../keyring/storedKeySealing.ts"
import { type KeyRow, recordOf } from "./keyRows.ts"

/** A secret's KEK in this format. */
export const priorKekOf = (secret: Redacted.Redacted<string>): Kek => ({ key: deriveBytes(secret, "kek A256GCM", 32) })

const encoder = new TextEncoder()

const associatedData = (row: KeyRow) =>
  encoder.encode(`authfx key ${row.purpose} ${row.kid} ${row.kind} ${row.alg} ${row.enc ?? "none"}`)

/** The plaintext that `wrapped` opens to under the first of `keks` that opens it, and that KEK's index. */
const openWithAny = (keks: ReadonlyArray<Kek>, row: KeyRow, wrapped: Uint8Array) => {
  const aad = associatedData(row)
  for (const [by, kek] of keks.entries()) {
    const plaintext = aesGcmOpen(kek.key, aad, wrapped)
    if (plaintext !== undefined) return { plaintext, by }
  }
  return undefined
}

/** A key pair's plaintext in the shared scheme's layout: its private JWK, and the public one from its row. */
const inSharedLayout = (privateJson: Uint8Array, publicJwk: PublicJwk): Uint8Array | undefined => {
  try {
    const privateJwk: unknown = JSON.parse(new TextDecoder().decode(privateJson))
    return encoder.encode(JSON.stringify({ privateJwk, publicJwk }))
  } catch {
    return undefined
  }
}

/**
 * The key a stored row of this format seals, and the index of the KEK that opened it; undefined when none
 * does, or what opens is not a key of the row's kind (the shared scheme's checks, on its plaintext layout).
 */
export const unsealPrior = (
  keks: ReadonlyArray<Kek>,
  row: KeyRow,
  wrapped: Uint8Array
): { readonly key: Key; readonly by: number } | undefined => {
  const opened = openWithAny(keks, row, wrapped)
  if (opened === undefined) return undefined
  const plaintext = row.kind === "SecretKey" ? opened.plaintext : inSharedLayout(opened.plaintext, row.publicJwk)
  const key = plaintext === undefined ? undefined : storedKeyOf(recordOf(row), plaintext)
  return key === undefined ? undefined : { key, by: opened.by }
}

/** The index of the KEK whose derived-key mark (an empty plaintext) `wrapped` is for the row, or undefined. */
export const openPriorMark = (keks: ReadonlyArray<Kek>, row: KeyRow, wrapped: Uint8Array): number | undefined => {
  const opened = openWithAny(keks, row, wrapped)
  return opened?.plaintext.length === 0 ? opened.by : undefined
}
