import { Redacted, Schema } from "effect"
import { Base64 } from "effect/encoding"
import { howToMakeASecret, secretStrength, WeakSecret, weakSecret } from "../domain/secretStrength.ts"

export { WeakSecret }

/** No secret in production: refusing to start beats signing every session with a guessable key. */
export class MissingSecret extends Schema.TaggedError<MissingSecret>()("MissingSecret", {
  message: Schema.String
}) {}

/**
 * A fresh deployment secret: 33 bytes from the CSPRNG in base64, 44 characters (what `openssl rand -base64 33`
 * prints, and `authfx secret`).
 */
export const generateSecret = (): string => Base64.encode(globalThis.crypto.getRandomValues(new Uint8Array(33)))

const names = ["AUTH_SECRET", "AUTH_SECRET_1", "AUTH_SECRET_2", "AUTH_SECRET_3"] as const

/**
 * AUTH_SECRET, then AUTH_SECRET_1…3 (older secrets that still verify, newest first), as Auth.js reads them.
 * A weak one (domain/secretStrength.ts) is WeakSecret in development too: a secret set once in development
 * tends to be the one that ships, and every entry point would refuse it anyway. A missing one is generated
 * in development — sessions then end with the process — with a warning that cannot be missed; in
 * production it is MissingSecret. Either error says how to make a secret and never quotes one.
 */
export const secretFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void = (message) => console.warn(message)
): ReadonlyArray<Redacted.Redacted<string>> | MissingSecret | WeakSecret => {
  const secrets: Array<Redacted.Redacted<string>> = []
  for (const name of names) {
    const value = env[name]?.trim()
    if (value === undefined || value === "") continue
    const strength = secretStrength(value)
    if (strength !== "strong") return weakSecret(name, strength)
    secrets.push(Redacted.make(value))
  }
  if (secrets.length > 0) return secrets
  if (env["NODE_ENV"] === "production") return new MissingSecret({ message: `AUTH_SECRET is not set: ${howToMakeASecret}.` })
  const banner = "*".repeat(78)
  warn([
    banner,
    "authfx: AUTH_SECRET is not set. A random secret was generated for this process only:",
    "every session and e-mail link ends when it stops. In production this is an error.",
    `To keep sessions across restarts, ${howToMakeASecret}.`,
    banner
  ].join("\n"))
  return [Redacted.make(generateSecret())]
}
