/**
 * What a key is made of before it is a port `Key`: its kid and its secret bytes or JWKs. Stores derive,
 * draw, generate or unseal material, and dress it with a purpose and dates only when they hand it out.
 */
import { Redacted } from "effect"
import type { KeyPair, KeyPurpose, PublicJwk, SecretKey } from "../../ports/KeyStore.ts"
import type { PairSpec, SecretSpec } from "./keySpec.ts"

export interface SecretMaterial {
  readonly kid: string
  readonly bytes: Uint8Array
}

export interface PairMaterial {
  readonly kid: string
  readonly privateJwk: Readonly<Record<string, unknown>>
  readonly publicJwk: PublicJwk
}

export const secretKeyOf = (
  purpose: KeyPurpose,
  spec: SecretSpec,
  material: SecretMaterial,
  createdAt: Date,
  retiresAt: Date | null
): SecretKey => ({
  _tag: "SecretKey",
  kid: material.kid,
  purpose,
  alg: spec.alg,
  enc: spec.enc,
  secret: Redacted.make(material.bytes),
  createdAt,
  retiresAt
})

export const keyPairOf = (
  purpose: KeyPurpose,
  spec: PairSpec,
  material: PairMaterial,
  createdAt: Date,
  retiresAt: Date | null
): KeyPair => ({
  _tag: "KeyPair",
  kid: material.kid,
  purpose,
  alg: spec.alg,
  enc: spec.enc,
  privateJwk: Redacted.make(material.privateJwk),
  publicJwk: material.publicJwk,
  createdAt,
  retiresAt
})
