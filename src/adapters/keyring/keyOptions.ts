/**
 * The options every KeyStore adapter takes, and their validation. One place, so that the same options mean
 * the same kinds of key in every store (and the same derived keys in the stores that derive them), and moving
 * from one store to another needs no new configuration.
 */
import { Effect, Redacted, Schema } from "effect"
import { secretStrength, type WeakSecret, weakSecret } from "../../domain/secretStrength.ts"
import type { ContentEncryption } from "../../ports/KeyStore.ts"
import { isContentEncryption, isEncryptingPair, isPairAlgorithm, isSecretAlgorithm } from "./keySpec.ts"

/** The session key's algorithm: a secret (`dir`, HMAC) or a key pair (signing or encrypting). */
export type SessionKeyOptions =
  | { readonly alg: "dir"; readonly enc?: ContentEncryption }
  | { readonly alg: "HS256" | "HS384" | "HS512" }
  | { readonly alg: "RS256" | "PS256" | "ES256" | "EdDSA" }
  | { readonly alg: "RSA-OAEP-256" | "ECDH-ES"; readonly enc?: ContentEncryption }

export interface KeyStoreOptions {
  /**
   * The first is current; the rest are previous secrets whose keys keep verifying, so rotating AUTH_SECRET
   * signs nobody out.
   */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** Defaults to `{ alg: "dir", enc: "A256GCM" }`. Changing it makes a new session key current at the next start. */
  readonly session?: SessionKeyOptions
  /** How long a rotated-out key keeps verifying. The default, 31 days, outlives a 30-day session. */
  readonly retireAfterSeconds?: number
}

/** The options cannot make a key store; `message` names the option, never a secret. */
export class InvalidKeyStoreOptions extends Schema.TaggedError<InvalidKeyStoreOptions>()("InvalidKeyStoreOptions", {
  message: Schema.String
}) {}

export interface ValidKeyOptions {
  readonly current: Redacted.Redacted<string>
  /** Previous secrets: their keys keep verifying, and they open keys stored under them. */
  readonly previous: ReadonlyArray<Redacted.Redacted<string>>
  /**
   * Weak previous secrets a persistent store accepts only to open the keys it stored under them, which it
   * then reseals under `current`: so a deployment can leave a weak secret without losing stored keys. They
   * derive no key, so nothing made under them verifies.
   */
  readonly unsealOnly: ReadonlyArray<{ readonly name: string; readonly secret: Redacted.Redacted<string> }>
  readonly session: SessionKeyOptions
  readonly retireAfterSeconds: number
}

const defaultRetireAfterSeconds = 31 * 24 * 60 * 60
const badRetireAfter = "retireAfterSeconds must be a finite number of seconds, 0 or more"
const isRetireAfter = (seconds: number) => Number.isFinite(seconds) && seconds >= 0

/**
 * Fails with the first secret that is too weak to key anything (domain/secretStrength.ts), named by its
 * place in the list. Previous secrets too: their keys still verify, so a weak one is as forgeable as a weak
 * current one.
 */
export const requireStrongSecrets = (secrets: ReadonlyArray<Redacted.Redacted<string>>): Effect.Effect<void, WeakSecret> => {
  for (const [index, secret] of secrets.entries()) {
    const strength = secretStrength(Redacted.value(secret))
    if (strength !== "strong") return Effect.fail(weakSecret(`secrets[${index}]`, strength))
  }
  return Effect.void
}

/**
 * The secrets (current first, duplicates dropped), the session algorithm and the retirement delay, or the
 * first option that is wrong. Types arrive from JavaScript callers and environment variables too, so this
 * checks what TypeScript promised. Every secret must be strong (WeakSecret otherwise), except that a store
 * which keeps keys sealed under its secrets (`weakPreviousUnsealOnly`) takes a weak previous secret as
 * `unsealOnly`.
 */
export const validateKeyOptions = (
  options: KeyStoreOptions,
  { weakPreviousUnsealOnly = false }: { readonly weakPreviousUnsealOnly?: boolean } = {}
): Effect.Effect<ValidKeyOptions, InvalidKeyStoreOptions | WeakSecret> => {
  const invalid = (message: string) => Effect.fail(new InvalidKeyStoreOptions({ message }))
  const empty = options.secrets.findIndex((secret) => Redacted.value(secret).length === 0)
  if (empty >= 0) return invalid(`secrets[${empty}] is empty`)
  // A secret listed twice would give one key twice; each keeps the place it was first listed at.
  const unique = [...new Map(options.secrets.map((secret, index) => [Redacted.value(secret), { secret, index }])).values()]
  const [first, ...rest] = unique
  if (first === undefined) return invalid("secrets must hold at least one secret")
  const current = first.secret
  const previous: Array<Redacted.Redacted<string>> = []
  const unsealOnly: Array<{ readonly name: string; readonly secret: Redacted.Redacted<string> }> = []
  const firstStrength = secretStrength(Redacted.value(current))
  if (firstStrength !== "strong") return Effect.fail(weakSecret(`secrets[${first.index}]`, firstStrength))
  for (const { index, secret } of rest) {
    const strength = secretStrength(Redacted.value(secret))
    if (strength === "strong") previous.push(secret)
    else if (weakPreviousUnsealOnly) unsealOnly.push({ name: `secrets[${index}]`, secret })
    else return Effect.fail(weakSecret(`secrets[${index}]`, strength))
  }
  const retireAfterSeconds = options.retireAfterSeconds ?? defaultRetireAfterSeconds
  if (!isRetireAfter(retireAfterSeconds)) return invalid(badRetireAfter)
  const session = options.session ?? { alg: "dir", enc: "A256GCM" }
  if (!isSecretAlgorithm(session.alg) && !isPairAlgorithm(session.alg)) {
    return invalid(`session.alg ${String(session.alg)} is not supported`)
  }
  const enc = "enc" in session ? session.enc : undefined
  const encrypts = session.alg === "dir" || isEncryptingPair(session.alg)
  if (enc !== undefined && !(isContentEncryption(enc) && encrypts)) {
    return invalid(`session.enc ${String(enc)} does not go with session.alg ${session.alg}`)
  }
  return Effect.succeed({ current, previous, unsealOnly, session, retireAfterSeconds })
}

/** What a store logs at start for each `unsealOnly` secret. */
export const unsealOnlyWarning = (store: string, name: string) =>
  `${store}: ${name} is weak: it derives no key and only opens keys stored under it, which are now resealed ` +
  "under secrets[0]; remove it once every node runs with the new secret"

/**
 * The delay `rotate` retires the current key after: the call's own, else the store's. The port has no
 * failure for a bad argument: it is a programmer error, so a defect.
 */
export const rotationRetireAfter = (
  rotateOptions: { readonly retireAfterSeconds?: number } | undefined,
  storeSeconds: number
): Effect.Effect<number> => {
  const seconds = rotateOptions?.retireAfterSeconds ?? storeSeconds
  return isRetireAfter(seconds) ? Effect.succeed(seconds) : Effect.die(new RangeError(badRetireAfter))
}
