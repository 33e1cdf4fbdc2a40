/**
 * Where SqliteKeyStore's key material comes from: derived from a secret (HKDF, exactly as MemoryKeyStore
 * derives it, so both stores agree on every kid and key), drawn at random, or generated as a WebCrypto key
 * pair; and how stored material is sealed at rest (AES-256-GCM under a key-encryption key from a secret).
 *
 * Derivation and sealing use node:crypto's synchronous calls: they run inside SQLite transactions, which
 * must not wait on a promise while other fibers share the connection.
 */
import { Effect, Redacted } from "effect"
import { Base64Url } from "effect/encoding"
import { createCipheriv, createDecipheriv, hkdfSync } from "node:crypto"
import { type KeyPurpose, KeyStoreUnavailable, type PairAlgorithm, type PublicJwk } from "../../ports/KeyStore.ts"
import { encryptingPairs, type PairSpec, type SecretSpec, secretLength } from "./keyOptions.ts"

export interface SecretMaterial {
  readonly kid: string
  readonly bytes: Uint8Array
}

export interface PairMaterial {
  readonly kid: string
  readonly privateJwk: Readonly<Record<string, unknown>>
  readonly publicJwk: PublicJwk
}

const hkdf = (secret: Redacted.Redacted<string>, info: string, length: number) =>
  new Uint8Array(hkdfSync("sha256", Redacted.value(secret), "authfx", info, length))

const randomBytes = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length))

// Same secret, same key and kid: every node of a fleet agrees, and a restart signs nobody out. The kid is a
// separate HKDF output, so publishing it in a token header says nothing about the key.
export const deriveSecret = (
  secret: Redacted.Redacted<string>,
  purpose: KeyPurpose,
  spec: SecretSpec
): SecretMaterial => {
  const info = `${purpose} ${spec.alg} ${spec.enc ?? "none"}`
  return {
    kid: Base64Url.encode(hkdf(secret, `kid ${info}`, 12)),
    bytes: hkdf(secret, `key ${info}`, secretLength(spec))
  }
}

export const randomSecret = (spec: SecretSpec): SecretMaterial => ({
  kid: Base64Url.encode(randomBytes(12)),
  bytes: randomBytes(secretLength(spec))
})

type Usage = "sign" | "verify" | "encrypt" | "decrypt" | "deriveBits"

const rsa = (name: string) => ({ name, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" })

const pairs: Record<PairAlgorithm, {
  readonly params: { readonly name: string; readonly [param: string]: unknown }
  readonly usages: Array<Usage>
}> = {
  RS256: { params: rsa("RSASSA-PKCS1-v1_5"), usages: ["sign", "verify"] },
  PS256: { params: rsa("RSA-PSS"), usages: ["sign", "verify"] },
  ES256: { params: { name: "ECDSA", namedCurve: "P-256" }, usages: ["sign", "verify"] },
  EdDSA: { params: { name: "Ed25519" }, usages: ["sign", "verify"] },
  "RSA-OAEP-256": { params: rsa("RSA-OAEP"), usages: ["encrypt", "decrypt"] },
  "ECDH-ES": { params: { name: "ECDH", namedCurve: "P-256" }, usages: ["deriveBits"] }
}

// Listed in lexicographic order, so the same list gives the RFC 7638 thumbprint input.
const publicMembers: Readonly<Record<string, ReadonlyArray<string>>> = {
  RSA: ["e", "kty", "n"],
  EC: ["crv", "kty", "x", "y"],
  OKP: ["crv", "kty", "x"]
}

const subtle = <A>(operation: string, f: (subtle: typeof globalThis.crypto.subtle) => Promise<A>) =>
  Effect.tryPromise({
    try: () => f(globalThis.crypto.subtle),
    catch: (cause) => new KeyStoreUnavailable({ message: `WebCrypto could not ${operation}`, cause })
  })

/** A fresh key pair as JWKs. WebCrypto cannot derive a pair from a secret, so pairs are generated and stored. */
export const generatePair = Effect.fnUntraced(function*(spec: PairSpec) {
  const { params, usages } = pairs[spec.alg]
  const jwk: Readonly<Record<string, unknown>> = yield* subtle("generate a key pair", async (s) => {
    const generated = await s.generateKey(params, true, usages)
    if (!("privateKey" in generated)) throw new Error(`${params.name} made no key pair`)
    return { ...(await s.exportKey("jwk", generated.privateKey)) }
  })
  const members = Object.fromEntries((publicMembers[String(jwk["kty"])] ?? []).map((name) => [name, jwk[name]]))
  // An RFC 7638 thumbprint lets any holder of the public key recompute the kid.
  const thumbprintInput = new TextEncoder().encode(JSON.stringify(members))
  const digest = yield* subtle("hash a key", (s) => s.digest("SHA-256", thumbprintInput))
  const kid = Base64Url.encode(new Uint8Array(digest))
  const use = encryptingPairs.includes(spec.alg) ? "enc" : "sig"
  const { key_ops: _ops, ext: _ext, ...privateMembers } = jwk
  const material: PairMaterial = {
    kid,
    privateJwk: { ...privateMembers, kid, alg: spec.alg, use },
    publicJwk: { kty: String(jwk["kty"]), ...members, kid, alg: spec.alg, use }
  }
  return material
})

/** A key-encryption key, named by an id that is stored next to what it sealed and says nothing about it. */
export interface Kek {
  readonly id: string
  readonly key: Uint8Array
}

export const kekOf = (secret: Redacted.Redacted<string>): Kek => ({
  id: Base64Url.encode(hkdf(secret, "kek-id", 12)),
  key: hkdf(secret, "kek A256GCM", 32)
})

const ivLength = 12
const tagLength = 16

/** AES-256-GCM: the 12-byte IV, then the ciphertext, then the 16-byte tag. */
export const seal = (kek: Kek, aad: string, plaintext: Uint8Array): Uint8Array => {
  const iv = randomBytes(ivLength)
  const cipher = createCipheriv("aes-256-gcm", kek.key, iv, { authTagLength: tagLength })
  cipher.setAAD(new TextEncoder().encode(aad))
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()]))
}

/** The plaintext, or undefined when the tag does not verify (another key, another row's AAD, or tampering). */
export const unseal = (kek: Kek, aad: string, sealed: Uint8Array): Uint8Array | undefined => {
  if (sealed.length < ivLength + tagLength) return undefined
  const decipher = createDecipheriv("aes-256-gcm", kek.key, sealed.subarray(0, ivLength), { authTagLength: tagLength })
  decipher.setAAD(new TextEncoder().encode(aad))
  decipher.setAuthTag(sealed.subarray(sealed.length - tagLength))
  try {
    const body = sealed.subarray(ivLength, sealed.length - tagLength)
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]))
  } catch {
    return undefined
  }
}
