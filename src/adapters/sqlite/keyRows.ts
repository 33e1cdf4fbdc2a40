import { Schema } from "effect"
import {
  type ContentEncryption,
  KeyPurpose,
  type PairAlgorithm,
  type PublicJwk,
  type SecretAlgorithm
} from "../../ports/KeyStore.ts"
import { isContentEncryption, isPairAlgorithm, isSecretAlgorithm } from "../keyring/keySpec.ts"
import type { StoredKeyRecord } from "../keyring/storedKeySealing.ts"
import { blob, checked, checkedOrNull, integer, integerOrNull, text } from "./columns.ts"
import { InvalidRow, type Row } from "./SqliteDatabase.ts"

export const keyColumns = "purpose, kid, kind, alg, enc, created_at, retires_at, origin, wrapped, public_jwk, sealing"

/**
 * How `wrapped` is sealed (the `sealing` column): `shared` as every store that keeps keys seals them
 * (adapters/keyring/storedKeySealing.ts), or `sqlite` as this store sealed them before (priorKeySealing.ts).
 */
export type Sealing = "shared" | "sqlite"

/**
 * How a row holds its key (the `origin` column; schema.ts says more):
 * - `Sealed`: `wrapped` is the key itself, sealed under a configured secret's key-encryption key;
 * - `Derived`: the key is the one a configured secret derives for the row's purpose and algorithm, and
 *   `wrapped` is a mark sealed under that secret's KEK: which KEK opens it says whose key it is;
 * - `Legacy`: a derived key recorded by the first schema, named by an HKDF kid of its secret and nothing else.
 */
export type Held =
  | { readonly _tag: "Sealed"; readonly wrapped: Uint8Array; readonly sealing: Sealing }
  | { readonly _tag: "Derived"; readonly wrapped: Uint8Array; readonly sealing: Sealing }
  | { readonly _tag: "Legacy" }

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
  readonly held: Held
}

export interface KeyPairRow extends KeyRowCommon {
  readonly kind: "KeyPair"
  readonly alg: PairAlgorithm
  readonly held: Extract<Held, { readonly _tag: "Sealed" }>
  /**
   * The `public_jwk` column. The key a row seals in the shared scheme carries its public JWK sealed with it,
   * and that one is published; this column serves only a pair sealed as the store sealed before.
   */
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

const origins = ["sealed", "derived", "legacy"] as const
const isOrigin = (value: string): value is typeof origins[number] => origins.some((origin) => origin === value)

const sealings = ["shared", "sqlite"] as const
const isSealing = (value: string): value is Sealing => sealings.some((sealing) => sealing === value)

const heldOf = (row: Row): Held => {
  const origin = checked(row, "origin", isOrigin)
  if (origin === "legacy") return { _tag: "Legacy" }
  const wrapped = blob(row, "wrapped")
  const sealing = checked(row, "sealing", isSealing)
  return origin === "sealed" ? { _tag: "Sealed", wrapped, sealing } : { _tag: "Derived", wrapped, sealing }
}

/** The `origin`, `wrapped` and `sealing` columns of a row written now: never a legacy one, always the shared sealing. */
export const heldColumns = (held: { readonly _tag: "Sealed" | "Derived"; readonly wrapped: Uint8Array }) => ({
  origin: held._tag === "Sealed" ? "sealed" : "derived",
  wrapped: held.wrapped,
  sealing: "shared"
})

export const keyRowOf = (row: Row): KeyRow => {
  const common: KeyRowCommon = {
    purpose: checked(row, "purpose", isPurpose),
    kid: text(row, "kid"),
    enc: checkedOrNull(row, "enc", isContentEncryption),
    createdAt: integer(row, "created_at"),
    retiresAt: integerOrNull(row, "retires_at")
  }
  if (text(row, "kind") === "SecretKey") {
    return { ...common, kind: "SecretKey", alg: checked(row, "alg", isSecretAlgorithm), held: heldOf(row) }
  }
  const alg = checked(row, "alg", isPairAlgorithm)
  const held = heldOf(row)
  if (held._tag !== "Sealed") throw new InvalidRow({ column: "origin" })
  return { ...common, kind: "KeyPair", alg, held, publicJwk: publicJwkOf(text(row, "public_jwk"), common.kid, alg) }
}

/** What the row records of its key beside the sealed material. */
export const recordOf = (row: KeyRow): StoredKeyRecord => ({
  kid: row.kid,
  purpose: row.purpose,
  alg: row.alg,
  enc: row.enc,
  createdAt: new Date(row.createdAt),
  retiresAt: row.retiresAt === null ? null : new Date(row.retiresAt)
})
