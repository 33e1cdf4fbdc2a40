/**
 * SqliteKeyStore's options and what kind of key each purpose gets. Copied from MemoryKeyStore (adapters do
 * not import each other) and kept identical, so one set of options configures either store.
 */
import { Effect, Redacted, Schema } from "effect"
import type {
  ContentEncryption,
  KeyPurpose,
  PairAlgorithm,
  SecretAlgorithm
} from "../../ports/KeyStore.ts"

export type SessionKeyOptions =
  | { readonly alg: "dir"; readonly enc?: ContentEncryption }
  | { readonly alg: "HS256" | "HS384" | "HS512" }
  | { readonly alg: "RS256" | "PS256" | "ES256" | "EdDSA" }
  | { readonly alg: "RSA-OAEP-256" | "ECDH-ES"; readonly enc?: ContentEncryption }

export interface Options {
  /**
   * The first is current: keys are derived from it, and it seals the keys the file stores. The rest are
   * previous secrets whose derived keys keep verifying and whose sealed keys can still be opened, so
   * rotating AUTH_SECRET signs nobody out.
   */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** Defaults to `{ alg: "dir", enc: "A256GCM" }`. */
  readonly session?: SessionKeyOptions
  /** How long a rotated-out key keeps verifying. The default, 31 days, outlives a 30-day session. */
  readonly retireAfterSeconds?: number
}

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

export const defaultRetireAfterSeconds = 31 * 24 * 60 * 60
export const contentEncryptions: ReadonlyArray<ContentEncryption> = ["A256GCM", "A256CBC-HS512"]
export const secretAlgorithms: ReadonlyArray<SecretAlgorithm> = ["HS256", "HS384", "HS512", "dir"]
export const pairAlgorithms: ReadonlyArray<PairAlgorithm> = ["RS256", "PS256", "ES256", "EdDSA", "RSA-OAEP-256", "ECDH-ES"]
export const encryptingPairs: ReadonlyArray<string> = ["RSA-OAEP-256", "ECDH-ES"] satisfies Array<PairAlgorithm>

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

/**
 * Every kind of secret key a purpose can have had under any options: a file written under one session
 * algorithm still holds keys of it after the options change, and they verify until they retire.
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
    : purpose === "checks"
    ? [{ _tag: "SecretKey", alg: "dir", enc: "A256GCM" }]
    : [{ _tag: "SecretKey", alg: "HS256", enc: null }]

export const secretLength = (spec: Spec): number =>
  spec.alg === "HS384" ? 48 : spec.alg === "HS512" || spec.enc === "A256CBC-HS512" ? 64 : 32

// Types arrive from JavaScript callers and environment variables too, so check what TypeScript promised.
export const validate = (options: Options) => {
  const invalid = (message: string) => Effect.fail(new InvalidKeyStoreOptions({ message }))
  const empty = options.secrets.findIndex((secret) => Redacted.value(secret).length === 0)
  if (empty >= 0) return invalid(`secrets[${empty}] is empty`)
  // A secret listed twice would give one key twice.
  const [current, ...previous] = new Map(options.secrets.map((secret) => [Redacted.value(secret), secret])).values()
  if (current === undefined) return invalid("secrets must hold at least one secret")
  const retireAfterSeconds = options.retireAfterSeconds ?? defaultRetireAfterSeconds
  if (!Number.isFinite(retireAfterSeconds) || retireAfterSeconds < 0) {
    return invalid("retireAfterSeconds must be a finite number of seconds, 0 or more")
  }
  const session = options.session ?? { alg: "dir", enc: "A256GCM" }
  const alg: string = session.alg
  if (!secretAlgorithms.some((a) => a === alg) && !pairAlgorithms.some((a) => a === alg)) {
    return invalid(`session.alg ${String(session.alg)} is not supported`)
  }
  const enc = "enc" in session ? session.enc : undefined
  const encrypts = session.alg === "dir" || encryptingPairs.includes(session.alg)
  if (enc !== undefined && !(contentEncryptions.includes(enc) && encrypts)) {
    return invalid(`session.enc ${String(enc)} does not go with session.alg ${session.alg}`)
  }
  return Effect.succeed({ current, previous, session, retireAfterSeconds })
}
