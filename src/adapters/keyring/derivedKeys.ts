/**
 * Keys derived from a deployment secret, by the stores that derive their secret keys (memory and SQLite;
 * PostgreSQL's keys are random, shared by the fleet through its table): the same secret gives the same key
 * bytes in each of them, so every node agrees, a restart signs nobody out, and moving between those two stores
 * does not either (moving to or from PostgreSQL does, once). The info strings and lengths are therefore
 * fixed: changing one changes every derived key.
 *
 * A derived key's kid is NOT derived: it is drawn at random each time a store makes the key (memory: per
 * process; SQLite: when its row is written). A kid is published in every token header, and a kid computed
 * from the secret (as authfx computed it before) lets anyone holding one cookie test a guess at the secret
 * with one HKDF — no decryption — and look a kid up in a table precomputed once for every deployment, since
 * the salt is the same everywhere. A random kid says nothing about the secret. Nodes and restarts that
 * disagree on kids still open each other's tokens: the token codec tries the purpose's verification keys
 * when a kid is not found (adapters/jose/JoseTokenCodec.ts), as Auth.js does with its secrets.
 *
 * Synchronous (node:crypto): the SQLite store derives inside a transaction, which must not wait on a
 * promise while other fibers share the connection.
 */
import { Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { hkdfSync } from "node:crypto"
import type { KeyPurpose } from "../../ports/KeyStore.ts"
import { randomKid } from "./freshKeys.ts"
import type { SecretMaterial } from "./keyMaterial.ts"
import { type SecretSpec, secretLength } from "./keySpec.ts"

/**
 * HKDF-SHA-256 over the secret's UTF-8 bytes, salt `authfx`. Infos beginning `key ` are those of
 * `deriveSecret`; any other use (a store's key-encryption key) takes an info of its own, so that it can
 * never be a signing key too.
 */
export const deriveBytes = (secret: Redacted.Redacted<string>, info: string, length: number): Uint8Array =>
  new Uint8Array(hkdfSync("sha256", Redacted.value(secret), "authfx", info, length))

const infoOf = (purpose: KeyPurpose, spec: SecretSpec) => `${purpose} ${spec.alg} ${spec.enc ?? "none"}`

/** The bytes of the purpose's key of this kind under `secret`. */
export const derivedKeyBytes = (secret: Redacted.Redacted<string>, purpose: KeyPurpose, spec: SecretSpec): Uint8Array =>
  deriveBytes(secret, `key ${infoOf(purpose, spec)}`, secretLength(spec))

/** The purpose's key of this kind under `secret`, named by a fresh random kid. */
export const deriveSecret = (
  secret: Redacted.Redacted<string>,
  purpose: KeyPurpose,
  spec: SecretSpec
): SecretMaterial => ({ kid: randomKid(), bytes: derivedKeyBytes(secret, purpose, spec) })

/**
 * The kid authfx gave a derived key before kids were random: HKDF of the secret, the oracle described above.
 * Only to recognise what was recorded under it (the SQLite store's rows of that time, which it rewrites
 * under random kids); never to name a key.
 */
export const legacyDerivedKid = (secret: Redacted.Redacted<string>, purpose: KeyPurpose, spec: SecretSpec): string =>
  Base64Url.encode(deriveBytes(secret, `kid ${infoOf(purpose, spec)}`, 12))
