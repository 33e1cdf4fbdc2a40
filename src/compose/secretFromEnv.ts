import { Redacted, Schema } from "effect"
import { randomBytes } from "node:crypto"

/** No secret in production: refusing to start beats signing every session with a guessable key. */
export class MissingSecret extends Schema.TaggedError<MissingSecret>()("MissingSecret", {
  message: Schema.String
}) {}

const howTo = "Set AUTH_SECRET to at least 32 random characters, e.g. the output of `openssl rand -base64 33` " +
  "or `node -e \"console.log(crypto.randomBytes(33).toString('base64'))\"`."

/**
 * AUTH_SECRET, then AUTH_SECRET_1…3 (older secrets that still verify, newest first), as Auth.js reads them.
 * In development a missing secret is generated — sessions then end with the process — with a warning that
 * cannot be missed; in production it is an error that says how to make one.
 */
export const secretFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void = (message) => console.warn(message)
): ReadonlyArray<Redacted.Redacted<string>> | MissingSecret => {
  const names = ["AUTH_SECRET", "AUTH_SECRET_1", "AUTH_SECRET_2", "AUTH_SECRET_3"]
  const secrets = names.flatMap((name) => {
    const value = env[name]?.trim()
    return value === undefined || value === "" ? [] : [Redacted.make(value)]
  })
  const tooShort = secrets.find((secret) => Redacted.value(secret).length < 32)
  if (env["NODE_ENV"] === "production") {
    if (secrets.length === 0) return new MissingSecret({ message: `AUTH_SECRET is not set. ${howTo}` })
    if (tooShort !== undefined) return new MissingSecret({ message: `AUTH_SECRET is shorter than 32 characters. ${howTo}` })
    return secrets
  }
  if (secrets.length > 0) {
    if (tooShort !== undefined) warn("authfx: AUTH_SECRET is shorter than 32 characters; use a longer one in production.")
    return secrets
  }
  const banner = "*".repeat(78)
  warn([
    banner,
    "authfx: AUTH_SECRET is not set. A random secret was generated for this process only:",
    "every session and e-mail link ends when it stops. In production this is an error.",
    howTo,
    banner
  ].join("\n"))
  return [Redacted.make(randomBytes(33).toString("base64"))]
}
