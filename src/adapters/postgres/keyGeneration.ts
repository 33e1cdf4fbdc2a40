/**
 * Making keys: which kind each purpose gets, and fresh random ones. This repeats what MemoryKeyStore does
 * (adapters do not import each other); the two must agree on kinds and lengths, which the KeyStore
 * conformance suite checks for both.
 */
import { Effect, Redacted, Schema } from "effect"
import { Base64Url } from "effect/encoding"
import {
  type ContentEncryption,
  type Key,
  type KeyPair,
  type KeyPurpose,
  KeyStoreUnavailable,
  type PairAlgorithm,
  type PublicJwk,
  type SecretAlgorithm,
  type SecretKey
} from "../../ports/KeyStore.ts"

/** The session key's algorithm; the same choice MemoryKeyStore offers. */
export type SessionKeyOptions =
  | { readonly alg: "dir"; readonly enc?: ContentEncryption }
  | { readonly alg: "HS256" | "HS384" | "HS512" }
  | { readonly alg: "RS256" | "PS256" | "ES256" | "EdDSA" }
  | { readonly alg: "RSA-OAEP-256" | "ECDH-ES"; readonly enc?: ContentEncryption }

/** The options cannot make a key store; `message` names the option, never a secret. */
export class InvalidKeyStoreOptions extends Schema.TaggedError<InvalidKeyStoreOptions>()("InvalidKeyStoreOptions", {
  message: Schema.String
}) {}

export type SecretSpec = {
  readonly _tag: "SecretKey"
  readonly alg: SecretAlgorithm
  readonly enc: ContentEncryption | null
}
export type PairSpec = { readonly _tag: "KeyPair"; readonly alg: PairAlgorithm; readonly enc: ContentEncryption | null }
export type Spec = SecretSpec | PairSpec

export const encodings: ReadonlyArray<string> = ["A256GCM", "A256CBC-HS512"] satisfies Array<ContentEncryption>
export const secretAlgorithms: ReadonlyArray<string> = ["HS256", "HS384", "HS512", "dir"] satisfies Array<SecretAlgorithm>
const encryptingPairs: ReadonlyArray<string> = ["RSA-OAEP-256", "ECDH-ES"] satisfies Array<PairAlgorithm>

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

export const isPairAlgorithm = (alg: string): alg is PairAlgorithm => Object.hasOwn(pairs, alg)

// Listed in lexicographic order, so the same list gives the RFC 7638 thumbprint input.
const publicMembers: Readonly<Record<string, ReadonlyArray<string>>> = {
  RSA: ["e", "kty", "n"],
  EC: ["crv", "kty", "x", "y"],
  OKP: ["crv", "kty", "x"]
}

export const specOf = (purpose: KeyPurpose, session: SessionKeyOptions): Spec => {
  switch (purpose) {
    case "csrf":
    case "verification":
      return { _tag: "SecretKey", alg: "HS256", enc: null }
    case "checks":
      return { _tag: "SecretKey", alg: "dir", enc: "A256GCM" }
    case "session": {
      const enc = "enc" in session ? session.enc ?? "A256GCM" : "A256GCM"
      switch (session.alg) {
        case "dir":
          return { _tag: "SecretKey", alg: "dir", enc }
        case "RSA-OAEP-256":
        case "ECDH-ES":
          return { _tag: "KeyPair", alg: session.alg, enc }
        case "HS256":
        case "HS384":
        case "HS512":
          return { _tag: "SecretKey", alg: session.alg, enc: null }
        default:
          return { _tag: "KeyPair", alg: session.alg, enc: null }
      }
    }
  }
}

export const secretLength = (spec: Spec): number =>
  spec.alg === "HS384" ? 48 : spec.alg === "HS512" || spec.enc === "A256CBC-HS512" ? 64 : 32

/** Types arrive from JavaScript callers and environment variables too, so check what TypeScript promised. */
export const validateSession = (session: SessionKeyOptions): string | null => {
  if (!secretAlgorithms.includes(session.alg) && !isPairAlgorithm(session.alg)) {
    return `session.alg ${String(session.alg)} is not supported`
  }
  const enc = "enc" in session ? session.enc : undefined
  const encrypts = session.alg === "dir" || encryptingPairs.includes(session.alg)
  if (enc !== undefined && !(encodings.includes(enc) && encrypts)) {
    return `session.enc ${String(enc)} does not go with session.alg ${session.alg}`
  }
  return null
}

const subtle = <A>(operation: string, f: (subtle: typeof globalThis.crypto.subtle) => Promise<A>) =>
  Effect.tryPromise({
    try: () => f(globalThis.crypto.subtle),
    catch: (cause) => new KeyStoreUnavailable({ message: `WebCrypto could not ${operation}`, cause })
  })

const randomBytes = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length))

const generatedPair = Effect.fnUntraced(function*(purpose: KeyPurpose, spec: PairSpec, createdAt: Date) {
  const { params, usages } = pairs[spec.alg]
  const jwk: Readonly<Record<string, unknown>> = yield* subtle("generate a key pair", async (s) => {
    const generated = await s.generateKey(params, true, usages)
    if (!("privateKey" in generated)) throw new Error(`${params.name} made no key pair`)
    return { ...(await s.exportKey("jwk", generated.privateKey)) }
  })
  const members = Object.fromEntries((publicMembers[String(jwk["kty"])] ?? []).map((name) => [name, jwk[name]]))
  // An RFC 7638 thumbprint lets any holder of the public key recompute the kid.
  const digest = yield* subtle("hash a key", (s) => s.digest("SHA-256", new TextEncoder().encode(JSON.stringify(members))))
  const kid = Base64Url.encode(new Uint8Array(digest))
  const use = encryptingPairs.includes(spec.alg) ? "enc" : "sig"
  const { key_ops: _ops, ext: _ext, ...privateMembers } = jwk
  const pair: KeyPair = {
    _tag: "KeyPair",
    kid,
    purpose,
    alg: spec.alg,
    enc: spec.enc,
    privateJwk: Redacted.make({ ...privateMembers, kid, alg: spec.alg, use }),
    publicJwk: { kty: String(jwk["kty"]), ...members, kid, alg: spec.alg, use } satisfies PublicJwk,
    createdAt,
    retiresAt: null
  }
  return pair
})

/** A new random key of the spec's kind: nothing about it follows from the deployment secret. */
export const freshKey = (purpose: KeyPurpose, spec: Spec, createdAt: Date): Effect.Effect<Key, KeyStoreUnavailable> => {
  if (spec._tag === "KeyPair") return generatedPair(purpose, spec, createdAt)
  const key: SecretKey = {
    _tag: "SecretKey",
    kid: Base64Url.encode(randomBytes(12)),
    purpose,
    alg: spec.alg,
    enc: spec.enc,
    secret: Redacted.make(randomBytes(secretLength(spec))),
    createdAt,
    retiresAt: null
  }
  return Effect.succeed(key)
}
