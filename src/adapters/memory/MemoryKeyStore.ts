import { Clock, Effect, Layer, Option, Redacted, Ref, Schema } from "effect"
import { Base64Url } from "effect/encoding"
import {
  type ContentEncryption,
  type Key,
  type KeyPair,
  KeyPurpose,
  KeyStore,
  KeyStoreUnavailable,
  type PairAlgorithm,
  type PublicJwk,
  type SecretAlgorithm,
  type SecretKey
} from "../../ports/KeyStore.ts"

export type SessionKeyOptions =
  | { readonly alg: "dir"; readonly enc?: ContentEncryption }
  | { readonly alg: "HS256" | "HS384" | "HS512" }
  | { readonly alg: "RS256" | "PS256" | "ES256" | "EdDSA" }
  | { readonly alg: "RSA-OAEP-256" | "ECDH-ES"; readonly enc?: ContentEncryption }

export interface Options {
  /**
   * The first is current; the rest are previous secrets whose keys keep verifying, so rotating AUTH_SECRET
   * signs nobody out.
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

type SecretSpec = { readonly _tag: "SecretKey"; readonly alg: SecretAlgorithm; readonly enc: ContentEncryption | null }
type PairSpec = { readonly _tag: "KeyPair"; readonly alg: PairAlgorithm; readonly enc: ContentEncryption | null }
type Spec = SecretSpec | PairSpec

type Keyring = Readonly<Record<KeyPurpose, readonly [Key, ...Array<Key>]>>

const defaultRetireAfterSeconds = 31 * 24 * 60 * 60
const encodings: ReadonlyArray<string> = ["A256GCM", "A256CBC-HS512"] satisfies Array<ContentEncryption>
const secretAlgorithms: ReadonlyArray<string> = ["HS256", "HS384", "HS512", "dir"] satisfies Array<SecretAlgorithm>
const encryptingPairs: ReadonlyArray<string> = ["RSA-OAEP-256", "ECDH-ES"] satisfies Array<PairAlgorithm>

type Subtle = typeof globalThis.crypto.subtle
type Usage = "sign" | "verify" | "encrypt" | "decrypt" | "deriveBits"

const rsa = (name: string) => ({
  name,
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256"
})

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

const specOf = (purpose: KeyPurpose, session: SessionKeyOptions): Spec => {
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

const secretLength = (spec: Spec): number =>
  spec.alg === "HS384" ? 48 : spec.alg === "HS512" || spec.enc === "A256CBC-HS512" ? 64 : 32

// Types arrive from JavaScript callers and environment variables too, so check what TypeScript promised.
const validate = (options: Options) => {
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
  if (!secretAlgorithms.includes(session.alg) && !Object.hasOwn(pairs, session.alg)) {
    return invalid(`session.alg ${String(session.alg)} is not supported`)
  }
  const enc = "enc" in session ? session.enc : undefined
  const encrypts = session.alg === "dir" || encryptingPairs.includes(session.alg)
  if (enc !== undefined && !(encodings.includes(enc) && encrypts)) {
    return invalid(`session.enc ${String(enc)} does not go with session.alg ${session.alg}`)
  }
  return Effect.succeed({ current, previous, session, retireAfterSeconds })
}

const subtle = <A>(operation: string, f: (subtle: Subtle) => Promise<A>) =>
  Effect.tryPromise({
    try: () => f(globalThis.crypto.subtle),
    catch: (cause) => new KeyStoreUnavailable({ message: `WebCrypto could not ${operation}`, cause })
  })

const hkdf = (secret: Uint8Array<ArrayBuffer>, info: string, length: number) =>
  subtle("derive a key", async (s) => {
    const ikm = await s.importKey("raw", secret, "HKDF", false, ["deriveBits"])
    const params = {
      name: "HKDF",
      hash: "SHA-256",
      salt: new TextEncoder().encode("authfx"),
      info: new TextEncoder().encode(info)
    }
    return new Uint8Array(await s.deriveBits(params, ikm, length * 8))
  })

const randomBytes = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length))

const secretKey = (
  purpose: KeyPurpose,
  spec: SecretSpec,
  kid: string,
  secret: Uint8Array,
  createdAt: Date,
  retiresAt: Date | null
): SecretKey => ({
  _tag: "SecretKey",
  kid,
  purpose,
  alg: spec.alg,
  enc: spec.enc,
  secret: Redacted.make(secret),
  createdAt,
  retiresAt
})

// Same secret, same key and kid: every node of a fleet agrees, and a restart signs nobody out. The kid is a
// separate HKDF output, so publishing it in a token header says nothing about the key.
const derivedKey = Effect.fnUntraced(function*(
  purpose: KeyPurpose,
  spec: SecretSpec,
  secret: Redacted.Redacted<string>,
  createdAt: Date,
  retiresAt: Date | null
) {
  const ikm = new TextEncoder().encode(Redacted.value(secret))
  const info = `${purpose} ${spec.alg} ${spec.enc ?? "none"}`
  const bytes = yield* hkdf(ikm, `key ${info}`, secretLength(spec))
  const kid = Base64Url.encode(yield* hkdf(ikm, `kid ${info}`, 12))
  return secretKey(purpose, spec, kid, bytes, createdAt, retiresAt)
})

const generatedPair = Effect.fnUntraced(function*(
  purpose: KeyPurpose,
  spec: PairSpec,
  createdAt: Date
) {
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
  const publicJwk: PublicJwk = { kty: String(jwk["kty"]), ...members, kid, alg: spec.alg, use }
  const pair: KeyPair = {
    _tag: "KeyPair",
    kid,
    purpose,
    alg: spec.alg,
    enc: spec.enc,
    privateJwk: Redacted.make({ ...privateMembers, kid, alg: spec.alg, use }),
    publicJwk,
    createdAt,
    retiresAt: null
  }
  return pair
})

const freshKey = (purpose: KeyPurpose, spec: Spec, createdAt: Date): Effect.Effect<Key, KeyStoreUnavailable> =>
  spec._tag === "KeyPair"
    ? generatedPair(purpose, spec, createdAt)
    : Effect.succeed(
      secretKey(purpose, spec, Base64Url.encode(randomBytes(12)), randomBytes(secretLength(spec)), createdAt, null)
    )

const verifiesAt = (now: number) => (key: Key) => key.retiresAt === null || key.retiresAt.getTime() > now

export const make = (options: Options): Effect.Effect<KeyStore["Service"], InvalidKeyStoreOptions> =>
  Effect.gen(function*() {
    const { current, previous, retireAfterSeconds, session } = yield* validate(options)
    const now = yield* Clock.currentTimeMillis
    const startedAt = new Date(now)
    const previousRetireAt = new Date(now + retireAfterSeconds * 1000)

    const initial = Effect.fnUntraced(function*(purpose: KeyPurpose) {
      const spec = specOf(purpose, session)
      // WebCrypto cannot derive a key pair from a secret, so a restart makes a new one.
      if (spec._tag === "KeyPair") return [yield* generatedPair(purpose, spec, startedAt)] as const
      const key = yield* derivedKey(purpose, spec, current, startedAt, null)
      const older = yield* Effect.forEach(previous, (secret) =>
        derivedKey(purpose, spec, secret, startedAt, previousRetireAt))
      return [key, ...older] as const
    })
    // A failure here is the platform lacking an algorithm, not something a caller can handle.
    const keyring: Keyring = yield* Effect.orDie(Effect.all({
      session: initial("session"),
      csrf: initial("csrf"),
      verification: initial("verification"),
      checks: initial("checks")
    }))
    const ring = yield* Ref.make(keyring)

    const verificationKeys = (purpose: KeyPurpose) =>
      Effect.gen(function*() {
        const [keyring, now] = [yield* Ref.get(ring), yield* Clock.currentTimeMillis]
        return keyring[purpose].filter(verifiesAt(now))
      })

    return KeyStore.of({
      current: (purpose) => Effect.map(Ref.get(ring), (keyring) => keyring[purpose][0]),
      find: (purpose, kid) =>
        Effect.map(verificationKeys(purpose), (keys) => Option.fromNullishOr(keys.find((key) => key.kid === kid))),
      verificationKeys,
      rotate: (purpose, rotateOptions) =>
        Effect.gen(function*() {
          const seconds = rotateOptions?.retireAfterSeconds ?? retireAfterSeconds
          // The port has no failure for a bad argument: it is a programmer error, so a defect.
          if (!Number.isFinite(seconds) || seconds < 0) {
            return yield* Effect.die(new RangeError("retireAfterSeconds must be a finite number of seconds, 0 or more"))
          }
          const now = yield* Clock.currentTimeMillis
          const key = yield* freshKey(purpose, specOf(purpose, session), new Date(now))
          const retiresAt = new Date(now + seconds * 1000)
          // One atomic update, so concurrent rotations still leave exactly one current key.
          const retire = (k: Key): Key => (k.retiresAt === null ? { ...k, retiresAt } : k)
          yield* Ref.update(ring, (keyring): Keyring => ({
            ...keyring,
            [purpose]: [key, ...keyring[purpose].map(retire).filter(verifiesAt(now))]
          }))
          return key
        }),
      jwks: Effect.gen(function*() {
        const keys = yield* Effect.forEach(KeyPurpose.literals, verificationKeys)
        return { keys: keys.flat().flatMap((key) => (key._tag === "KeyPair" ? [key.publicJwk] : [])) }
      })
    })
  })

export const layer = (options: Options): Layer.Layer<KeyStore, InvalidKeyStoreOptions> =>
  Layer.effect(KeyStore, make(options))
