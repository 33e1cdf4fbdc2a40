import { Schema } from "effect"
import {
  type ContentEncryption,
  KeyPurpose,
  type PairAlgorithm,
  type PublicJwk,
  type SecretAlgorithm
} from "../../ports/KeyStore.ts"
import { isContentEncryption, isPairAlgorithm, isSecretAlgorithm } from "../../ports/keys/keySpec.ts"
import { blob, checked, checkedOrNull, integer, integerOrNull, text, textOrNull } from "./columns.ts"
import { InvalidRow, type Row } from "./SqliteDatabase.ts"

export const keyColumns = "purpose, kid, kind, alg, enc, created_at, retires_at, kek_id, wrapped, public_jwk"

/** Key material sealed with the key-encryption key `kekId`. */
export interface Sealed {
  readonly kekId: string
  readonly wrapped: Uint8Array
}

interface KeyRowCommon {
  readonly purpose: KeyPurpose
  readonly kid: string
  readonly enc: ContentEncryption | null
  readonly createdAt: number
  /** Null while the key is current. */
  readonly retiresAt: number | null
}

export interface SecretKeyRow extends KeyRowCommon {
  readonly kind: "SecretKey"
  readonly alg: SecretAlgorithm
  /** Null when the key is derived from a configured secret. */
  readonly sealed: Sealed | null
}

export interface KeyPairRow extends KeyRowCommon {
  readonly kind: "KeyPair"
  readonly alg: PairAlgorithm
  readonly sealed: Sealed
  readonly publicJwk: PublicJwk
}

export type KeyRow = SecretKeyRow | KeyPairRow

const isPurpose = Schema.is(KeyPurpose)

/** A JSON object, or `InvalidRow` naming `column`. */
export const jsonObject = (json: string, column: string): Readonly<Record<string, unknown>> => {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw new InvalidRow({ column })
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidRow({ column })
  return { ...value }
}

const publicJwkOf = (json: string, kid: string, alg: string): PublicJwk => {
  const jwk = jsonObject(json, "public_jwk")
  const { kty, use } = jwk
  if (typeof kty !== "string" || jwk["kid"] !== kid || jwk["alg"] !== alg || (use !== "sig" && use !== "enc")) {
    throw new InvalidRow({ column: "public_jwk" })
  }
  return { ...jwk, kty, kid, alg, use }
}

const sealedOf = (row: Row): Sealed | null => {
  const kekId = textOrNull(row, "kek_id")
  return kekId === null ? null : { kekId, wrapped: blob(row, "wrapped") }
}

export const keyRowOf = (row: Row): KeyRow => {
  const common: KeyRowCommon = {
    purpose: checked(row, "purpose", isPurpose),
    kid: text(row, "kid"),
    enc: checkedOrNull(row, "enc", isContentEncryption),
    createdAt: integer(row, "created_at"),
    retiresAt: integerOrNull(row, "retires_at")
  }
  if (text(row, "kind") === "SecretKey") {
    return { ...common, kind: "SecretKey", alg: checked(row, "alg", isSecretAlgorithm), sealed: sealedOf(row) }
  }
  const alg = checked(row, "alg", isPairAlgorithm)
  const sealed = sealedOf(row)
  if (sealed === null) throw new InvalidRow({ column: "wrapped" })
  return { ...common, kind: "KeyPair", alg, sealed, publicJwk: publicJwkOf(text(row, "public_jwk"), common.kid, alg) }
}

/**
 * Binds sealed material to its row: moved to another kid, purpose or algorithm (by a hand edit or an
 * attacker with write access to the file), it no longer opens.
 */
export const aadOf = (key: {
  readonly purpose: KeyPurpose
  readonly kid: string
  readonly kind: string
  readonly alg: string
  readonly enc: string | null
}) => `authfx key ${key.purpose} ${key.kid} ${key.kind} ${key.alg} ${key.enc ?? "none"}`
