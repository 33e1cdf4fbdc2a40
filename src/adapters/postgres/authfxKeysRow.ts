/**
 * What an `authfx_keys` row holds: a key's kid, purpose, algorithm and dates, and its material sealed as every
 * store seals keys (adapters/keyring/storedKeySealing.ts). The database alone never yields a usable key; the
 * secret alone forges nothing either, because the keys themselves are random.
 */
import { Schema } from "effect"
import { KeyPurpose } from "../../ports/KeyStore.ts"
import { contentEncryptions, pairAlgorithms, secretAlgorithms } from "../keyring/keySpec.ts"
import type { StoredKeyRecord } from "../keyring/storedKeySealing.ts"

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

/** What the row records of its key beside the sealed material. */
export const recordOf = (row: KeyRow): StoredKeyRecord => ({
  kid: row.kid,
  purpose: row.purpose,
  alg: row.alg,
  enc: row.enc,
  createdAt: row.created_at,
  retiresAt: row.retires_at
})
