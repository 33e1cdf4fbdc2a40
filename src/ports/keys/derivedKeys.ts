/**
 * Keys derived from a deployment secret. Part of the KeyStore contract in practice: the same secret gives
 * the same keys and kids in every store, so every node of a fleet agrees, a restart signs nobody out, and
 * moving from one store to another does not either. The info strings and lengths are therefore fixed:
 * changing one changes every derived key and kid.
 *
 * Synchronous (node:crypto): the SQLite store derives inside a transaction, which must not wait on a
 * promise while other fibers share the connection.
 */
import { Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { hkdfSync } from "node:crypto"
import type { KeyPurpose } from "../KeyStore.ts"
import type { SecretMaterial } from "./keyMaterial.ts"
import { type SecretSpec, secretLength } from "./keySpec.ts"

/**
 * HKDF-SHA-256 over the secret's UTF-8 bytes, salt `authfx`. Infos beginning `key ` and `kid ` are those of
 * `deriveSecret`; any other use (a store's key-encryption key) takes an info of its own, so that it can
 * never be a signing key too.
 */
export const deriveBytes = (secret: Redacted.Redacted<string>, info: string, length: number): Uint8Array =>
  new Uint8Array(hkdfSync("sha256", Redacted.value(secret), "authfx", info, length))

/**
 * The purpose's key of this kind under `secret`. The kid is a separate HKDF output, so publishing it in a
 * token header says nothing about the key.
 */
export const deriveSecret = (
  secret: Redacted.Redacted<string>,
  purpose: KeyPurpose,
  spec: SecretSpec
): SecretMaterial => {
  const info = `${purpose} ${spec.alg} ${spec.enc ?? "none"}`
  return {
    kid: Base64Url.encode(deriveBytes(secret, `kid ${info}`, 12)),
    bytes: deriveBytes(secret, `key ${info}`, secretLength(spec))
  }
}
