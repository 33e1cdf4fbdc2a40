/**
 * What kind of key each purpose gets. Every KeyStore adapter answers from here, so one set of options makes
 * the same kinds and lengths of key in every store (the KeyStore conformance suite checks each of them).
 */
import type { ContentEncryption, KeyPurpose, PairAlgorithm, SecretAlgorithm } from "../../ports/KeyStore.ts"
import type { SessionKeyOptions } from "./keyOptions.ts"

export type SecretSpec = {
  readonly _tag: "SecretKey"
  readonly alg: SecretAlgorithm
  readonly enc: ContentEncryption | null
}
export type PairSpec = { readonly _tag: "KeyPair"; readonly alg: PairAlgorithm; readonly enc: ContentEncryption | null }
export type Spec = SecretSpec | PairSpec

export const contentEncryptions = ["A256GCM", "A256CBC-HS512"] as const satisfies ReadonlyArray<ContentEncryption>
export const secretAlgorithms = ["HS256", "HS384", "HS512", "dir"] as const satisfies ReadonlyArray<SecretAlgorithm>
export const pairAlgorithms = [
  "RS256",
  "PS256",
  "ES256",
  "EdDSA",
  "RSA-OAEP-256",
  "ECDH-ES"
] as const satisfies ReadonlyArray<PairAlgorithm>
/** The pairs that encrypt (`use: "enc"`) rather than sign, and so take a content encryption. */
const encryptingPairs = ["RSA-OAEP-256", "ECDH-ES"] as const satisfies ReadonlyArray<PairAlgorithm>

// Guards over `unknown`: options come from JavaScript callers and environment variables, rows from disk.
export const isContentEncryption = (value: unknown): value is ContentEncryption =>
  contentEncryptions.some((enc) => enc === value)
export const isSecretAlgorithm = (value: unknown): value is SecretAlgorithm =>
  secretAlgorithms.some((alg) => alg === value)
export const isPairAlgorithm = (value: unknown): value is PairAlgorithm => pairAlgorithms.some((alg) => alg === value)
export const isEncryptingPair = (value: unknown): boolean => encryptingPairs.some((alg) => alg === value)

export const specOf = (purpose: KeyPurpose, session: SessionKeyOptions): Spec => {
  switch (purpose) {
    case "csrf":
    case "verification":
      return { _tag: "SecretKey", alg: "HS256", enc: null }
    case "checks":
    case "tokens":
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

/**
 * Every kind of secret key `specOf` can give a purpose under any options. A store that keeps keys across
 * restarts still holds keys of an old session algorithm after the options change, and they verify until
 * they retire. Kept beside `specOf` so that a new session algorithm is added to both.
 */
export const secretSpecsOf = (purpose: KeyPurpose): ReadonlyArray<SecretSpec> =>
  purpose === "session"
    ? [
      { _tag: "SecretKey", alg: "dir", enc: "A256GCM" },
      { _tag: "SecretKey", alg: "dir", enc: "A256CBC-HS512" },
      { _tag: "SecretKey", alg: "HS256", enc: null },
      { _tag: "SecretKey", alg: "HS384", enc: null },
      { _tag: "SecretKey", alg: "HS512", enc: null }
    ]
    : purpose === "checks" || purpose === "tokens"
    ? [{ _tag: "SecretKey", alg: "dir", enc: "A256GCM" }]
    : [{ _tag: "SecretKey", alg: "HS256", enc: null }]

/** Bytes of secret: the hash size for HMAC, and A256CBC-HS512's 64-byte key (MAC key ‖ encryption key). */
export const secretLength = (spec: Spec): number =>
  spec.alg === "HS384" ? 48 : spec.alg === "HS512" || spec.enc === "A256CBC-HS512" ? 64 : 32
