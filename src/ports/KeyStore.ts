import { Context, type Effect, type Option, type Redacted, Schema } from "effect"

/**
 * What a key is for. Keys never cross purposes, so a CSRF hash key can never verify a session token.
 * - `session`: signs or encrypts JWT session tokens.
 * - `csrf`: keys the HMAC that binds CSRF tokens to this deployment.
 * - `verification`: keys the hash under which e-mail sign-in tokens are stored.
 * - `checks`: encrypts the short-lived OAuth state/PKCE/nonce cookies.
 * - `tokens`: seals the OAuth access, refresh and ID tokens a Users keeps (adapters/sealedTokens).
 */
export const KeyPurpose = Schema.Literals(["session", "csrf", "verification", "checks", "tokens"])
export type KeyPurpose = typeof KeyPurpose.Type

export type SecretAlgorithm = "HS256" | "HS384" | "HS512" | "dir"
export type PairAlgorithm = "RS256" | "PS256" | "ES256" | "EdDSA" | "RSA-OAEP-256" | "ECDH-ES"
/** JWE content encryption, for `dir`, `RSA-OAEP-256` and `ECDH-ES` keys. */
export type ContentEncryption = "A256GCM" | "A256CBC-HS512"

/** A public JSON Web Key as published in a JWKS (RFC 7517). */
export interface PublicJwk {
  readonly kty: string
  readonly kid: string
  readonly alg: string
  readonly use: "sig" | "enc"
  readonly [member: string]: unknown
}

interface KeyCommon {
  readonly kid: string
  readonly purpose: KeyPurpose
  readonly createdAt: Date
  /** When the key stops verifying; null while it is the current key. */
  readonly retiresAt: Date | null
}

export interface SecretKey extends KeyCommon {
  readonly _tag: "SecretKey"
  readonly alg: SecretAlgorithm
  readonly enc: ContentEncryption | null
  readonly secret: Redacted.Redacted<Uint8Array>
}

export interface KeyPair extends KeyCommon {
  readonly _tag: "KeyPair"
  readonly alg: PairAlgorithm
  readonly enc: ContentEncryption | null
  /** The private JWK; only token code ever unwraps it. */
  readonly privateJwk: Redacted.Redacted<Readonly<Record<string, unknown>>>
  readonly publicJwk: PublicJwk
}

export type Key = SecretKey | KeyPair

/** The keys could not be read or written (a shared key table is down, …). */
export class KeyStoreUnavailable extends Schema.TaggedError<KeyStoreUnavailable>()("KeyStoreUnavailable", {
  message: Schema.String,
  cause: Schema.optionalKey(Schema.Defect())
}) {}

/**
 * The keys of a deployment, by purpose.
 *
 * Contract (each sentence has a conformance test in test/conformance/KeyStore.ts):
 * - Every purpose always has exactly one current key, and it is among that purpose's verification keys.
 * - `find` returns a key of that purpose by `kid` while it verifies; a retired key or a key of
 *   another purpose is `None`.
 * - `rotate` makes a new current key; the previous one keeps verifying until `retireAfter` has passed,
 *   so nobody holding a token signed by it is signed out by the rotation.
 * - `jwks` publishes the public half of every verifying key pair and nothing of any secret key.
 */
export class KeyStore extends Context.Service<KeyStore, {
  readonly current: (purpose: KeyPurpose) => Effect.Effect<Key, KeyStoreUnavailable>
  readonly find: (purpose: KeyPurpose, kid: string) => Effect.Effect<Option.Option<Key>, KeyStoreUnavailable>
  /** The keys that still verify, current first. */
  readonly verificationKeys: (purpose: KeyPurpose) => Effect.Effect<ReadonlyArray<Key>, KeyStoreUnavailable>
  readonly rotate: (
    purpose: KeyPurpose,
    options?: { readonly retireAfterSeconds?: number }
  ) => Effect.Effect<Key, KeyStoreUnavailable>
  readonly jwks: Effect.Effect<{ readonly keys: ReadonlyArray<PublicJwk> }, KeyStoreUnavailable>
  /**
   * Whether `current`, `find` and `verificationKeys` complete without waiting (memory, an embedded database;
   * not a network database), so that a caller may run them synchronously: the capability the synchronous
   * fast path of `GET /session` needs of the keys.
   */
  readonly answersSynchronously: boolean
}>()("authfx/KeyStore") {}
